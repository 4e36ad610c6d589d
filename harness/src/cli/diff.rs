//! `diff`: where two targets behave differently, from their snapshots or from live runs.

use std::sync::Arc;

use crate::reference::FaultSet;
use crate::runner::{self, RunOptions};
use crate::snapshot::{self, Transcript};
use crate::target::{Connected, TargetSpec};
use crate::{Error, Outcome};

use super::select::select;
use super::target::resolve;
use crate::cli::args::{DiffArgs, TargetArgs};

/// Runs the selected scenarios on `name` now and normalises the results.
fn live(args: &DiffArgs, name: &str) -> Result<Vec<Transcript>, Error> {
    let target_args = TargetArgs {
        target: name.to_owned(),
        config: None,
        allow_remote: false,
        spawn: args.spawn,
        spawn_timeout: 600.0,
        region: None,
        endpoint_url: None,
        create_aws_resources: false,
        timeout: 10.0,
        ca_bundle: None,
        rehearsal: None,
        pool_id: None,
        domain: None,
    };
    let (spec, connect) = resolve(&target_args, FaultSet::none())?;
    if matches!(spec, TargetSpec::Aws { .. }) {
        return Err(Error::Usage("diff --live does not run against AWS: record AWS snapshots with `run`".into()));
    }
    let scenarios = select(&args.selection)?;
    let report = super::runtime()?.block_on(async {
        let target = Connected::open(&spec, &connect).await?;
        let report = runner::run(scenarios, &target, &RunOptions::default(), Arc::new(|_| {})).await;
        target.close().await;
        Ok::<_, Error>(report)
    })?;
    Ok(report.scenarios.iter().map(snapshot::transcript).collect())
}

pub fn diff(args: DiffArgs) -> Result<Outcome, Error> {
    let (left, right) = if args.live {
        (live(&args, &args.left)?, live(&args, &args.right)?)
    } else {
        (
            snapshot::load_target(&args.snapshot_dir, &args.left)?,
            snapshot::load_target(&args.snapshot_dir, &args.right)?,
        )
    };
    for (name, side) in [(&args.left, &left), (&args.right, &right)] {
        if side.is_empty() {
            errln!("no transcripts for {name} (record them with `run --target {name} --update-snapshots`)");
            return Ok(Outcome::NothingRan);
        }
    }
    let difference = snapshot::diff_targets(&args.left, &left, &args.right, &right);
    out!("{}", difference.render(args.transcripts))?;
    Ok(if difference.is_empty() { Outcome::Done } else { Outcome::Differs })
}
