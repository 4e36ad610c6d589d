//! `scenarios export`: the suite compiled into the binary, written out for editing.

use crate::embedded::{self, ExportError};
use crate::{Error, Outcome};

use crate::cli::args::{ExportArgs, ScenariosCommand};

pub fn scenarios(command: ScenariosCommand) -> Result<Outcome, Error> {
    let ScenariosCommand::Export(args) = command;
    export(&args)
}

fn export(args: &ExportArgs) -> Result<Outcome, Error> {
    match embedded::export(&args.dir, args.force) {
        Ok(count) => {
            outln!(
                "wrote {count} files to {}: run them with `cognito-conformance run --scenarios {}`",
                args.dir.display(),
                args.dir.display()
            )?;
            Ok(Outcome::Done)
        }
        Err(error @ ExportError::Exists(_)) => Err(Error::Usage(error.to_string())),
        Err(ExportError::Io { path, source }) => {
            Err(Error::Io(std::io::Error::new(source.kind(), format!("{}: {source}", path.display()))))
        }
    }
}
