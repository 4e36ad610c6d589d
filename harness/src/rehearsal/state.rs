//! What `serve --aws-rehearsal` leaves for the run that rehearses against it: the CA certificate
//! (`ca.pem`, for `--ca-bundle`) and an AWS shared credentials file (`credentials`, profile
//! [`PROFILE`], mode 0600), so the run finds its credentials through the standard chain exactly
//! as it would find real ones.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::sigv4::RehearsalCredentials;

/// The profile of the credentials file.
pub const PROFILE: &str = "rehearsal";

/// The files written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFiles {
    /// The CA certificate, PEM.
    pub ca: PathBuf,
    /// The shared credentials file.
    pub credentials: PathBuf,
}

impl StateFiles {
    /// The environment a client of the rehearsal needs besides `--ca-bundle`: these credentials,
    /// found through the standard chain (profile [`PROFILE`]), and no instance-metadata lookup,
    /// which off EC2 only waits for its timeout. The printed command and the tests' children
    /// both take it from here.
    pub fn environment(&self) -> [(&'static str, std::ffi::OsString); 3] {
        [
            ("AWS_SHARED_CREDENTIALS_FILE", self.credentials.clone().into_os_string()),
            ("AWS_PROFILE", PROFILE.into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

/// Why the state directory could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the rehearsal's {what} in {dir}: {source}")]
pub struct StateError {
    what: &'static str,
    dir: PathBuf,
    source: std::io::Error,
}

/// Writes `ca.pem` and `credentials` into `dir` (created if missing, mode 0700 on Unix).
pub fn write(dir: &Path, ca_pem: &str, credentials: &RehearsalCredentials) -> Result<StateFiles, StateError> {
    let error = |what| move |source| StateError { what, dir: dir.to_owned(), source };
    create_private_dir(dir).map_err(error("directory"))?;
    let files = StateFiles { ca: dir.join("ca.pem"), credentials: dir.join("credentials") };
    std::fs::write(&files.ca, ca_pem).map_err(error("CA certificate"))?;
    let mut text = format!(
        "[{PROFILE}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        credentials.access_key_id,
        credentials.secret_access_key()
    );
    if let Some(token) = credentials.session_token() {
        text.push_str(&format!("aws_session_token = {token}\n"));
    }
    write_private(&files.credentials, text.as_bytes()).map_err(error("credentials file"))?;
    Ok(files)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Writes a file only its owner can read, whether or not it existed.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An existing file keeps its mode on open; narrow it before writing the secret.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// The command that runs the suite against a rehearsal at `addr`, with these files.
pub fn run_command(files: &StateFiles, region: &str, addr: SocketAddr) -> String {
    let environment: Vec<String> =
        files.environment().iter().map(|(name, value)| format!("{name}={}", value.to_string_lossy())).collect();
    format!(
        "{} cognito-conformance run --target aws --region {region} --ca-bundle {} --rehearsal {addr} \
         --create-aws-resources",
        environment.join(" "),
        files.ca.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credentials_file_is_private_and_the_command_names_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let credentials = RehearsalCredentials::new("AKIAEXAMPLE", "secret-value", None);
        let files = write(&state, "PEM", &credentials).unwrap();
        let text = std::fs::read_to_string(&files.credentials).unwrap();
        assert_eq!(text, "[rehearsal]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret-value\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&files.credentials).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let command = run_command(&files, "us-east-1", "127.0.0.1:9329".parse().unwrap());
        assert!(command.contains(&format!("--ca-bundle {}", files.ca.display())), "{command}");
        assert!(command.contains("--rehearsal 127.0.0.1:9329") && !command.contains("secret-value"), "{command}");
    }
}
