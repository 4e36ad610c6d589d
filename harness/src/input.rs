//! The one door every input file takes: scenario files, claims registries and `--config` target
//! profiles are all read by [`read_input`], so each refuses the same hostile files the same way.

use std::path::Path;

use crate::scenario::ScenarioError;

/// The largest input file read: far above any scenario (the largest is a few KB), far below what
/// would strain memory.
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads an input file: a regular file (a FIFO would block the read forever and a device never
/// end it), at most [`MAX_INPUT_BYTES`], and UTF-8, with the first invalid byte located. Each
/// refusal is a located diagnostic, so it exits 2 like any other problem in a file.
pub fn read_input(path: &Path) -> Result<String, Box<ScenarioError>> {
    read_input_shown(path, |text| text.to_owned())
}

/// [`read_input`] for a file that holds secrets (`serve --pools`): a diagnostic about its text
/// shows `show(text)` instead, which must keep every byte offset (it masks, it does not cut).
pub fn read_input_shown(path: &Path, show: impl Fn(&str) -> String) -> Result<String, Box<ScenarioError>> {
    use std::io::Read;
    let refuse = |message: String| Box::new(ScenarioError::new(path, "", 0..0, message, "here", None));
    let metadata = std::fs::metadata(path).map_err(|e| refuse(format!("cannot read this file: {e}")))?;
    if !metadata.is_file() {
        return Err(refuse("not a regular file (a FIFO, a device, a socket or a directory): not read".into()));
    }
    let too_large = || refuse(format!("larger than {} MiB: not read", MAX_INPUT_BYTES / (1024 * 1024)));
    if metadata.len() > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| refuse(format!("cannot read this file: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    decode_shown(path, bytes, show)
}

/// `bytes` (the contents of `path`) as text, or where the first byte that is not UTF-8 is.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Box<ScenarioError>> {
    decode_shown(path, bytes, |text| text.to_owned())
}

/// [`decode`], its diagnostic showing `show(text)` (see [`read_input_shown`]).
fn decode_shown(path: &Path, bytes: Vec<u8>, show: impl Fn(&str) -> String) -> Result<String, Box<ScenarioError>> {
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        let byte = error.as_bytes()[at];
        let text = show(&String::from_utf8_lossy(error.as_bytes()));
        // In the lossy text, the bad byte is the replacement character at the same offset.
        Box::new(ScenarioError::new(path, &text, at..at + 3, format!("not UTF-8: byte 0x{byte:02x}"), "this byte", None))
    })
}
