//! Running the server, and checking that it could run.

use crate::cli::ServeArgs;
use crate::database::{connect, describe, load_reference, open, sqlite_file};
use anyhow::anyhow;
use awladna_web::client_address::TrustedProxies;
use awladna_web::{AppState, Settings};
use axum_server::tls_rustls::RustlsConfig;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::net::TcpListener;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls_config(cert, key).await?),
        _ => None,
    };
    let opened = open(&args.database).await?;
    let listener = TcpListener::bind(args.addr)
        .await
        .map_err(|e| bind_error(args.addr, &e))?;
    let addr = listener.local_addr()?;
    let mailer = match (&args.smtp_url, &args.public_url) {
        (Some(smtp), Some(public)) => Some(
            awladna_web::mail::Mailer::new(smtp, &args.mail_from, public)
                .map_err(anyhow::Error::msg)?,
        ),
        _ => None,
    };
    let observatory = observatory_transport(&args)?;
    let settings = Settings {
        trusted_proxies: trusted_proxies(&args)?,
        secure_cookies: args.secure_cookies || tls.is_some(),
        hsts: tls.is_some(),
        mailer,
        observatory_push: observatory.is_some(),
        ..Settings::default()
    };
    let state = AppState::new(
        opened.store.clone(),
        opened.reference.clone(),
        opened.clock.clone(),
        opened.keyring.clone(),
        settings,
    );
    state.start_events();
    let sealer = crate::audit_sealer::Sealer::start(
        opened.store.clone(),
        opened.keyring.clone(),
        opened.clock.clone(),
        args.audit_head_file.clone(),
    )
    .await;
    let (stop_tasks, stopped) = tokio::sync::watch::channel(false);
    let retention = crate::retention::spawn_daily(
        opened.store.clone(),
        opened.reference.clone(),
        opened.keyring.clone(),
        opened.clock.clone(),
        stopped,
    );
    let maintenance = crate::maintenance::spawn(&opened);
    // Issue 17: the statuses owed to the Observatory, when it gave a URL.
    let observatory = observatory.map(|t| {
        awladna_web::observatory_push::spawn(state.core.clone(), t, stop_tasks.subscribe())
    });
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "Awladna is running at {scheme}://{addr}/ on the {}.",
        opened.describe()
    );
    if opened.first_start {
        println!("First start: the database was created and the reference data loaded.");
        println!(
            "Back up regularly with `awladna backup --to FILE` (a copy of the data directory made while the server runs misses the newest writes; README, \"Operations\")."
        );
    }
    if let Some(path) = &opened.created_master_key {
        println!(
            "A master key was created in {}. Copy it now to a safe place, apart from the database backups:",
            path.display()
        );
        println!(
            "without it the personal data in the database cannot be read (README, \"The master key\")."
        );
    }
    if opened.first_start {
        println!(
            "To sign in, create an organisation and the first administrator (each command prints what to do next):"
        );
        println!(
            "  awladna org add --code ministry --sector family_solidarity --name \"Ministry\""
        );
        println!("  awladna user add --username admin --org ministry --role administrator");
    }
    tracing::info!(%addr, database = opened.store.backend().name(), tls = tls.is_some(), "listening");
    let app = awladna_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = match tls {
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
        Some(config) => {
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                stopper.graceful_shutdown(Some(Duration::from_secs(30)));
            });
            axum_server::from_tcp_rustls(listener.into_std()?, config)?
                .handle(handle)
                .serve(app)
                .await
        }
    };
    // The daily task stops before the pool closes (a pass already started is finished
    // first: each child is erased in its own transaction).
    let _ = stop_tasks.send(true);
    maintenance.abort();
    let _ = retention.await;
    if let Some(observatory) = observatory {
        let _ = observatory.await;
    }
    // The last requests' audit entries are chained before the pool closes.
    sealer.stop().await;
    served.map_err(|e| anyhow!("the server stopped on an error: {e}"))?;
    opened.store.close().await;
    tracing::info!("stopped");
    println!("Awladna stopped.");
    Ok(())
}

/// The Observatory's push transport, when `--observatory-url` is set.
fn observatory_transport(
    args: &ServeArgs,
) -> anyhow::Result<Option<awladna_web::observatory_push::HttpTransport>> {
    let Some(url) = &args.observatory_url else {
        return Ok(None);
    };
    let bearer = match &args.observatory_token_file {
        Some(file) => Some(
            std::fs::read_to_string(file)
                .map_err(|e| {
                    anyhow!(
                        "cannot read --observatory-token-file {}: {e}",
                        file.display()
                    )
                })?
                .trim()
                .to_owned(),
        ),
        None => None,
    };
    awladna_web::observatory_push::HttpTransport::new(url, bearer)
        .map(Some)
        .map_err(anyhow::Error::msg)
}

fn trusted_proxies(args: &ServeArgs) -> anyhow::Result<TrustedProxies> {
    args.trusted_proxies
        .parse()
        .map_err(|e| anyhow!("--trusted-proxies: {e}"))
}

/// Reads the certificate and key, saying which file is wrong.
async fn tls_config(cert: &Path, key: &Path) -> anyhow::Result<RustlsConfig> {
    // One crypto provider for the whole process: ring (no C++ toolchain needed).
    let _ = rustls::crypto::ring::default_provider().install_default();
    RustlsConfig::from_pem_file(cert, key).await.map_err(|e| {
        anyhow!("cannot use the TLS certificate {} with the key {}: {e}; give a PEM certificate chain and its PEM private key", cert.display(), key.display())
    })
}

fn bind_error(addr: SocketAddr, e: &std::io::Error) -> anyhow::Error {
    match e.kind() {
        ErrorKind::AddrInUse => anyhow!(
            "cannot listen on {addr}: the address is already in use; stop the other program or choose another address with --addr"
        ),
        ErrorKind::PermissionDenied => anyhow!(
            "cannot listen on {addr}: permission denied (ports below 1024 need privileges); choose another port with --addr"
        ),
        ErrorKind::AddrNotAvailable => {
            anyhow!("cannot listen on {addr}: this machine has no such address; check --addr")
        }
        _ => anyhow!("cannot listen on {addr}: {e}"),
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM; in-flight requests then finish.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Checks everything `serve` needs, without changing anything, and says what to fix.
pub async fn check_config(args: ServeArgs) -> anyhow::Result<()> {
    let proxies = trusted_proxies(&args)?;
    let reference = load_reference(args.database.reference_dir.as_deref())?;
    println!(
        "reference data: ok ({} territories, {} communes, {} vocabularies, {} forms)",
        reference.territories().len(),
        reference.communes().len(),
        reference.vocabularies().count(),
        reference.forms().count()
    );
    let misplaced = match sqlite_file(&args.database) {
        Some(file) if !file.exists() => {
            println!(
                "database: {} does not exist yet; `awladna serve` or `awladna migrate` will create it",
                file.display()
            );
            0
        }
        _ => check_database(&args).await?,
    };
    match TcpListener::bind(args.addr).await {
        Ok(_) => println!("address: {} is free", args.addr),
        Err(e) => return Err(bind_error(args.addr, &e)),
    }
    match proxies.0.len() {
        0 => println!("client address: the connecting address (no trusted proxy)"),
        n => println!(
            "client address: from X-Forwarded-For when the request comes through one of {n} trusted prox(y/ies)"
        ),
    }
    if misplaced > 0 {
        return Err(anyhow!(
            "{misplaced} user(s) of a national body hold a role that reads identities and cannot sign in: move each to a province's organisation as listed above"
        ));
    }
    println!("The configuration is ready.");
    Ok(())
}

/// Users that may not sign in because a national body holds a role that reads
/// identities (accounts made before that was refused): named, with what to do.
async fn check_users(store: &awladna_store::Store) -> anyhow::Result<usize> {
    let misplaced = store.users_reading_identities_without_province().await?;
    if misplaced.is_empty() {
        println!("users: no national body's user holds a role that reads identities");
    }
    for user in &misplaced {
        let roles: Vec<&str> = user.roles.iter().map(|r| r.code()).collect();
        println!(
            "users: {} of the national body {} holds {}, which read children's identities and belong to a province's organisation; until moved (`awladna user move {} --org PROVINCIAL_ORG`), this user cannot sign in",
            user.username,
            user.organisation,
            roles.join(", "),
            user.username
        );
    }
    Ok(misplaced.len())
}

/// Checks the database; answers how many users must be moved before they can sign in.
async fn check_database(args: &ServeArgs) -> anyhow::Result<usize> {
    let (store, _, location) = connect(&args.database).await?;
    store.ping().await?;
    println!("database: reachable ({})", describe(&store, &location));
    let status = store.schema_status().await?;
    let newer = store.migrate_check().await;
    match (newer, status.pending) {
        (Err(e), _) => return Err(e.into()),
        (Ok(()), 0) => println!("schema: up to date (migration {})", status.latest),
        (Ok(()), n) => println!(
            "schema: {n} migration(s) to apply; `awladna migrate` or `awladna serve` will apply them"
        ),
    }
    let key_file = crate::keys::master_key_path(&args.database);
    match (status.applied.is_some(), key_file.exists()) {
        (_, true) => println!("master key: {} is present", key_file.display()),
        (false, false) => println!(
            "master key: {} will be created on first start",
            key_file.display()
        ),
        (true, false) => println!(
            "master key: {} is missing; if this database already holds keys, restore it from your backup",
            key_file.display()
        ),
    }
    let misplaced = match status.applied {
        Some(_) => check_users(&store).await?,
        None => 0,
    };
    store.close().await;
    Ok(misplaced)
}
