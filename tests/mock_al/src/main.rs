//! `mock-al`: serve the mock Assemblyline API (and optionally a built page) until Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;

use mock_al::{demo_users, Config};

const USAGE: &str =
    "usage: mock-al [--port N (0 = any, default 8000)] [--host 127.0.0.1] [--dist PATH] \
[--latency-ms N] [--fault-rate F] [--quota N] [--daily-quota N] [--submissions N] [--seed N] \
[--qualifying-per-submission F]";

struct Args {
    host: String,
    port: u16,
    config: Config,
}

fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    v.parse()
        .map_err(|_| format!("{flag}: invalid value '{v}'"))
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        host: "127.0.0.1".into(),
        port: 8000,
        config: Config::default(),
    };
    while let Some(flag) = it.next() {
        let c = &mut a.config;
        match flag.as_str() {
            "--port" => a.port = value(&flag, it.next())?,
            "--host" => a.host = value(&flag, it.next())?,
            "--dist" => {
                let p: PathBuf = value(&flag, it.next())?;
                if !p.is_dir() {
                    return Err(format!("--dist: '{}' is not a directory", p.display()));
                }
                c.dist = Some(p);
            }
            "--latency-ms" => c.latency_ms = value(&flag, it.next())?,
            "--fault-rate" => {
                c.fault_rate = value(&flag, it.next())?;
                if !(0.0..=1.0).contains(&c.fault_rate) {
                    return Err("--fault-rate must be between 0 and 1".into());
                }
            }
            "--quota" => c.quota = value(&flag, it.next())?,
            "--daily-quota" => c.daily_quota = value(&flag, it.next())?,
            "--submissions" => c.submissions = value(&flag, it.next())?,
            "--seed" => c.seed = value(&flag, it.next())?,
            // Collection-shaped data (several files >= 7000 per submission), as the benchmark's
            // scale workloads: for profiling the page by hand at that scale.
            "--qualifying-per-submission" => {
                c.qualifying_per_submission = Some(value(&flag, it.next())?)
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown flag '{other}'")),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("mock-al: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let listener = match tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("mock-al: cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::FAILURE;
        }
    };
    let server = match mock_al::start(listener, args.config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mock-al: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("mock-al listening on {}", server.url());
    for u in demo_users() {
        println!(
            "  user {:<8} apikey {}  (type {}, password {})",
            u.user, u.apikey, u.user_type, u.password
        );
    }
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(s: &str) -> Result<super::Args, String> {
        parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn flags() {
        let a = args("--port 0 --latency-ms 50 --fault-rate 0.1 --quota 4 --daily-quota 100 --submissions 250 --seed 3 --qualifying-per-submission 2.5").unwrap();
        assert_eq!(a.config.qualifying_per_submission, Some(2.5));
        assert_eq!(
            (
                a.port,
                a.config.latency_ms,
                a.config.quota,
                a.config.daily_quota
            ),
            (0, 50, 4, 100)
        );
        assert_eq!(
            (a.config.submissions, a.config.seed, a.config.fault_rate),
            (250, 3, 0.1)
        );
        assert_eq!(args("--port x").err().unwrap(), "--port: invalid value 'x'");
        assert_eq!(args("--quota").err().unwrap(), "--quota needs a value");
        assert_eq!(
            args("--fault-rate 2").err().unwrap(),
            "--fault-rate must be between 0 and 1"
        );
        assert_eq!(args("--bogus").err().unwrap(), "unknown flag '--bogus'");
        assert!(args("--dist /nonexistent/dir").is_err());
    }
}
