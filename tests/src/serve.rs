//! `panelmerge serve` as a process of its own, started the way systemd starts it: the built
//! binary with exactly the variables of its environment files, nothing inherited.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// Reads an environment file as systemd's `EnvironmentFile=` does for the files in
/// `deploy/env/`: `KEY=value` lines, `#` and `;` comments, blank lines ignored.
pub fn read_env_file(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("{}: not KEY=value: {l:?}", path.display()));
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect()
}

pub struct ServeProcess {
    pub port: u16,
    child: Child,
    output: Arc<Mutex<String>>,
    _cwd: tempfile::TempDir,
}

impl ServeProcess {
    /// Starts `panelmerge serve` with `env` (PORT=0 picks a free port) and waits until it
    /// prints the address it listens on (after its migrations).
    pub fn start(env: &BTreeMap<String, String>) -> Self {
        let cwd = tempfile::tempdir().expect("working directory");
        let mut child = Command::new(crate::panelmerge_bin())
            .arg("serve")
            .current_dir(cwd.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("panelmerge serve starts");
        let output = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let sink = output.clone();
        // Both pipes are read to the end, so a chatty server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = listening_port(&line) {
                    let _ = port_tx.send(port);
                }
                sink.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        let mut stderr = child.stderr.take().expect("stderr");
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let port = match port_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "panelmerge serve did not start listening:\n{}",
                    output.lock().unwrap()
                );
            }
        };
        Self {
            port,
            child,
            output,
            _cwd: cwd,
        }
    }

    pub fn address(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address())
    }

    /// Everything the process printed so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- panelmerge serve on {}:\n{}", self.port, self.output());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port of `PanelMerge X listening on http://HOST:PORT`.
fn listening_port(line: &str) -> Option<u16> {
    let address = line.split_once(" listening on http://")?.1;
    address.trim().rsplit_once(':')?.1.parse().ok()
}
