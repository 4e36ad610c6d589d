//! `cleanup`: deletes the pools killed runs left on a target, or (`--pool-id`) the clients, users
//! and domain they left in a pool of the user's.

use crate::reference::FaultSet;
use crate::runner::cleanup::{cleanup as delete_leftovers, cleanup_pool};
use crate::target::{Connected, TargetSpec};
use crate::{Error, Outcome};

use super::target::resolve;
use crate::cli::args::CleanupArgs;

pub fn cleanup(args: CleanupArgs) -> Result<Outcome, Error> {
    if args.target.spawn {
        return Err(Error::Usage("cleanup works on a running target; a spawned emulator starts empty".into()));
    }
    let (spec, connect) = resolve(&args.target, FaultSet::none())?;
    if matches!(spec, TargetSpec::Reference(_)) {
        return Err(Error::Usage("the embedded reference lives only as long as a run: nothing to clean up".into()));
    }
    let require_tag = matches!(spec, TargetSpec::Aws { .. });
    let report = super::runtime()?.block_on(async {
        let target = Connected::open(&spec, &connect).await?;
        let report = match &args.target.pool_id {
            Some(pool_id) => cleanup_pool(&target.wire, pool_id).await,
            None => delete_leftovers(&target.wire, require_tag).await,
        };
        target.close().await;
        Ok::<_, Error>(report?)
    })?;
    for name in &report.deleted {
        outln!("deleted {name}")?;
    }
    for name in &report.untagged {
        outln!("left alone {name}: it has the name prefix but not the harness's tag")?;
    }
    for (name, why) in &report.failed {
        errln!("could not delete {name}: {why}");
    }
    let what = if args.target.pool_id.is_some() { "client(s)/user(s)/domain(s)" } else { "pool(s)" };
    outln!(
        "{} {what} deleted, {} left alone, {} failed",
        report.deleted.len(),
        report.untagged.len(),
        report.failed.len()
    )?;
    Ok(Outcome::CleanupFailed(report.failed.len()))
}
