//! `/data` against a real postgres: connected, down, back, unreachable, wrong password, under load.

mod support;

use std::time::{Duration, Instant};

use support::*;

/// Splits the shared cluster's URL into the lab's DB_* variables.
fn lab_env(url: &str) -> Vec<(&'static str, String)> {
    let rest = url.strip_prefix("postgres://").expect("url scheme");
    let (userinfo, hostpart) = rest.split_once('@').expect("userinfo");
    let (user, password) = userinfo.split_once(':').expect("password");
    let hostport = hostpart.split('/').next().expect("host");
    let (host, port) = hostport.split_once(':').expect("port");
    vec![("DB_HOST", host.into()), ("DB_PORT", port.into()), ("DB_USER", user.into()), ("DB_PASSWORD", password.into())]
}

fn as_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// With the lab's DB_HOST/DB_USER/DB_PASSWORD/DB_PORT, /data answers `Database Connected`.
#[test]
fn data_connects_with_the_lab_variables() {
    let env = lab_env(&shared_database_url());
    let web = GoWeb::start(&as_refs(&env));
    let reply = get(web.app, "/data");
    assert_eq!((reply.status, reply.body.as_str()), (200, "Database Connected"));
    let password = &env[3].1;
    assert!(!web.output().contains(password.as_str()), "password logged:\n{}", web.output());
}

/// DATABASE_URL works in place of the DB_* variables, and the password is never logged.
#[test]
fn data_connects_with_database_url() {
    let url = shared_database_url();
    let web = GoWeb::start(&[("DATABASE_URL", &url)]);
    assert_eq!(get(web.app, "/data").body, "Database Connected");
    let password = &lab_env(&url)[3].1;
    assert!(!web.output().contains(password.as_str()), "password logged:\n{}", web.output());
    assert!(web.output().contains(":****@"), "target should be logged redacted:\n{}", web.output());
}

/// A wrong password gives 500 with postgres's reason, and neither body nor log shows the password.
#[test]
fn wrong_password_is_a_500_without_the_password() {
    let mut env = lab_env(&shared_database_url());
    env[3].1 = "not-the-password-x9".into();
    let web = GoWeb::start(&as_refs(&env));
    let reply = get(web.app, "/data");
    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("password authentication failed"), "{}", reply.body);
    assert!(!reply.body.contains("not-the-password-x9"), "{}", reply.body);
    assert!(!web.output().contains("not-the-password-x9"), "{}", web.output());
}

/// Postgres stopped mid-run: 500 within the deadline and no password; restarted: 200 again, same process.
#[test]
fn recovers_when_postgres_comes_back() {
    let mut pg = Postgres::start();
    let url = pg.url.clone();
    let web = GoWeb::start(&[("DATABASE_URL", &url), ("DB_TIMEOUT", "2s")]);
    assert_eq!(get(web.app, "/data").status, 200);

    pg.stop();
    let started = Instant::now();
    let reply = get(web.app, "/data");
    assert!(started.elapsed() < Duration::from_millis(2500), "took {:?}", started.elapsed());
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert!(!reply.body.is_empty());
    assert!(!reply.body.contains(&pg.password), "{}", reply.body);

    pg.start_again();
    let reply = wait_for(Duration::from_secs(10), "/data to answer 200 again", || {
        let reply = get(web.app, "/data");
        (reply.status == 200).then_some(reply)
    });
    assert_eq!(reply.body, "Database Connected");
    assert!(!web.output().contains(&pg.password), "password logged:\n{}", web.output());
}

/// A postgres that accepts but never answers still gets a 500 within DB_TIMEOUT.
#[test]
fn unreachable_postgres_answers_within_the_deadline() {
    let hole = blackhole();
    let port = hole.port().to_string();
    let web = GoWeb::start(&[("DB_HOST", "127.0.0.1"), ("DB_PORT", &port), ("DB_TIMEOUT", "1s")]);
    let started = Instant::now();
    let reply = get(web.app, "/data");
    let took = started.elapsed();
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert!(took >= Duration::from_millis(900) && took < Duration::from_millis(1800), "took {took:?}");
    assert!(reply.body.contains("within 1s"), "{}", reply.body);
}

/// Postgres not running at all (connection refused) is reported at once, not after the deadline.
#[test]
fn refused_connection_is_reported_quickly() {
    let port = free_port().to_string();
    let web = GoWeb::start(&[("DB_HOST", "127.0.0.1"), ("DB_PORT", &port), ("DB_TIMEOUT", "5s")]);
    let started = Instant::now();
    let reply = get(web.app, "/data");
    assert_eq!(reply.status, 500);
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(reply.body.to_lowercase().contains("refused"), "{}", reply.body);
}

/// Under concurrent load every request succeeds and postgres never sees more connections than the pool.
#[test]
fn concurrent_load_stays_within_the_pool() {
    const POOL: usize = 4;
    const CLIENTS: usize = 32;
    const PER_CLIENT: usize = 40;
    let pg = Postgres::start();
    let url = pg.url.clone();
    let web = GoWeb::start(&[("DATABASE_URL", &url), ("DB_POOL_SIZE", "4")]);
    let app = web.app;

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        let url = url.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            let deadline = Instant::now() + Duration::from_secs(60);
            while !done.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < deadline {
                peak = peak.max(go_web_connections(&url));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| std::thread::spawn(move || (0..PER_CLIENT).filter(|_| get(app, "/data").status != 200).count()))
        .collect();
    let failures: usize = clients.into_iter().map(|c| c.join().expect("client")).sum();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().expect("sampler");

    assert_eq!(failures, 0, "{failures} of {} requests failed", CLIENTS * PER_CLIENT);
    assert!(peak >= 1, "sampler never saw a connection");
    assert!(peak <= POOL, "postgres saw {peak} connections, pool is {POOL}");
    let metrics = get(web.admin, "/metrics").body;
    assert!(
        metrics.contains(&format!("http_requests_total{{route=\"/data\",status=\"200\"}} {}", CLIENTS * PER_CLIENT)),
        "{metrics}"
    );
    assert!(metrics.contains("db_pool_max_connections 4"), "{metrics}");
}
