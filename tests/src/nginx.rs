//! A real nginx (the Debian package) of one test's own, running the shipped
//! `deploy/nginx/panelmerge.conf` templated onto free ports, a throwaway certificate and a
//! temporary directory (pid, logs, temp files), without root.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The shipped site file.
pub fn shipped_site() -> String {
    let path = crate::repo_root().join("deploy/nginx/panelmerge.conf");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The nginx binary: `NGINX_PATH`, `nginx` on `PATH`, or Debian's `/usr/sbin/nginx`. `None`
/// with a notice when missing outside CI; under `CI=true` a missing nginx fails the test
/// (`make test` installs it).
pub fn binary() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("NGINX_PATH") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file());
    match on_path {
        Some(path) => Some(path),
        None if crate::services::ci() => panic!(
            "CI=true but nginx is not installed: the deployment test must run in CI \
             (`make test` installs the Debian package)"
        ),
        None => {
            eprintln!(
                "notice: nginx not installed (apt-get install nginx); deployment test not run"
            );
            None
        }
    }
}

/// A self-signed certificate for `127.0.0.1` and `localhost`, made by the `openssl` CLI.
pub struct TestCert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TestCert {
    pub fn create(dir: &Path) -> Self {
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        let output = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec"])
            .args([
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
            ])
            .args(["-subj", "/CN=localhost"])
            .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .args(["-addext", "extendedKeyUsage=serverAuth"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("the openssl command runs");
        assert!(
            output.status.success(),
            "openssl could not make a certificate: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self { cert, key }
    }

    /// The certificate as the only root a rustls client trusts.
    pub fn rustls_config(&self) -> std::sync::Arc<rustls::ClientConfig> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(&self.cert).expect("certificate PEM"))
            .expect("a usable root");
        std::sync::Arc::new(
            rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    /// The certificate as the only root a reqwest client trusts.
    pub fn reqwest_root(&self) -> reqwest::Certificate {
        reqwest::Certificate::from_pem(&std::fs::read(&self.cert).expect("certificate"))
            .expect("certificate PEM")
    }
}

/// Replaces every occurrence of each `from` with its `to`; panics naming a `from` that is not
/// in `text`, so a change to the shipped file fails the test instead of going untested.
pub fn substitute(text: &str, substitutions: &[(&str, String)]) -> String {
    let mut out = text.to_owned();
    for (from, to) in substitutions {
        assert!(
            out.contains(from),
            "the shipped nginx site no longer contains {from:?}: update the deployment test"
        );
        out = out.replace(from, to);
    }
    out
}

pub struct Nginx {
    pub http_port: u16,
    pub https_port: u16,
    pub cert: TestCert,
    pub dir: tempfile::TempDir,
    binary: PathBuf,
    child: Option<Child>,
}

/// The user nginx runs as when the tests run as root (`nobody`).
const UNPRIVILEGED: u32 = 65534;

impl Nginx {
    /// Writes the configuration for `upstreams` (the shipped site inside a minimal main file)
    /// and checks it with `nginx -t`; `None` when nginx is missing outside CI.
    pub fn configure(upstreams: [SocketAddr; 2]) -> Option<Self> {
        let binary = binary()?;
        let dir = tempfile::tempdir().expect("nginx directory");
        let cert = TestCert::create(dir.path());
        let http_port = free_port();
        let https_port = free_port();
        let site = substitute(
            &shipped_site(),
            &[
                (
                    "server 10.0.0.11:8080 ",
                    format!("server {} ", upstreams[0]),
                ),
                (
                    "server 10.0.0.12:8080 ",
                    format!("server {} ", upstreams[1]),
                ),
                ("listen 80;", format!("listen 127.0.0.1:{http_port};")),
                (
                    "listen 443 ssl http2;",
                    format!("listen 127.0.0.1:{https_port} ssl http2;"),
                ),
                // Test machines may have no IPv6.
                ("listen [::]:80;", String::new()),
                ("listen [::]:443 ssl http2;", String::new()),
                (
                    "/etc/letsencrypt/live/panelmerge.example.org/fullchain.pem",
                    cert.cert.display().to_string(),
                ),
                (
                    "/etc/letsencrypt/live/panelmerge.example.org/privkey.pem",
                    cert.key.display().to_string(),
                ),
                (
                    "root /var/www/letsencrypt;",
                    format!("root {};", dir.path().join("acme").display()),
                ),
            ],
        );
        let d = dir.path().display();
        // What Debian's /etc/nginx/nginx.conf provides around sites-enabled/, with every path
        // in the temporary directory; the access log names the instance that answered.
        let main = format!(
            "worker_processes 1;\n\
             pid {d}/nginx.pid;\n\
             error_log {d}/error.log warn;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n\
             \x20   log_format upstreams '$remote_addr \"$request\" $status $upstream_addr';\n\
             \x20   access_log {d}/access.log upstreams;\n\
             \x20   client_body_temp_path {d}/body;\n\
             \x20   proxy_temp_path {d}/proxy;\n\
             \x20   fastcgi_temp_path {d}/fastcgi;\n\
             \x20   uwsgi_temp_path {d}/uwsgi;\n\
             \x20   scgi_temp_path {d}/scgi;\n\
             \x20   include {d}/panelmerge.conf;\n\
             }}\n"
        );
        std::fs::write(dir.path().join("panelmerge.conf"), site).unwrap();
        std::fs::write(dir.path().join("nginx.conf"), main).unwrap();
        if running_as_root() {
            chown_tree(dir.path(), UNPRIVILEGED);
        }
        Some(Self {
            http_port,
            https_port,
            cert,
            dir,
            binary,
            child: None,
        })
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        let dir = self.dir.path();
        command
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null());
        if running_as_root() {
            // std drops the supplementary groups too when root changes the user.
            use std::os::unix::process::CommandExt;
            command.uid(UNPRIVILEGED).gid(UNPRIVILEGED);
        }
        command
    }

    /// `nginx -t`: whether the configuration is valid, and what nginx said.
    pub fn check(&self) -> (bool, String) {
        let output = self.command().arg("-t").output().expect("nginx -t runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    /// Starts nginx in the foreground and waits until both ports accept connections.
    pub async fn start(&mut self) {
        let child = self
            .command()
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        for port in [self.http_port, self.https_port] {
            loop {
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    break;
                }
                if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                    panic!("nginx exited ({status}):\n{}", self.error_log());
                }
                assert!(
                    Instant::now() < deadline,
                    "nginx did not listen on {port} within 10 s:\n{}",
                    self.error_log()
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    pub fn https_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.https_port)
    }

    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// One line per finished request: `client "request" status upstream`.
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // TERM makes the master stop its workers too (a KILL would leave them running).
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

/// A port that was free a moment ago (nginx needs fixed numbers in its configuration).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn chown_tree(path: &Path, id: u32) {
    std::os::unix::fs::chown(path, Some(id), Some(id)).expect("chown");
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read dir") {
            chown_tree(&entry.expect("dir entry").path(), id);
        }
    }
}
