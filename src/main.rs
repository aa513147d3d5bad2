//! The `plinth` command: serve (default), migrate, demo data, user management.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use plinth::audit::{Head, Verification, head};
use plinth::config::{DEFAULT_DATA, FileSettings};
use plinth::{Config, auth};

/// Plinth: a single-binary, local-first ERP base platform.
#[derive(Parser)]
#[command(name = "plinth", version, about)]
struct Cli {
    /// Data directory (database, files, search index).
    #[arg(long, global = true, env = "PLINTH_DATA", default_value = DEFAULT_DATA)]
    data: PathBuf,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, global = true, env = "PLINTH_ADDR")]
    addr: Option<String>,
    /// How many requests run at once [default: 32].
    #[arg(long, global = true, env = "PLINTH_WORKERS")]
    workers: Option<usize>,
    /// Do not log one line per request.
    #[arg(long, global = true)]
    quiet: bool,
    /// Fill an empty data directory with the demo business before serving.
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Fill an empty data directory with a demo business (the same one for the same seed).
    Demo {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many products (a larger catalog for measuring).
        #[arg(long, default_value_t = 5000)]
        products: usize,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Inspect the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Developer tools.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum DevCommand {
    /// Print the schema the model definitions ask for (all models, or those named by their
    /// singular name): the text a migration is made from.
    Ddl {
        /// Models, e.g. `contact address`; all when none is named.
        models: Vec<String>,
        /// Print statements that rebuild the existing tables of the data directory to the
        /// definitions, keeping their rows (for a migration that changes released tables).
        #[arg(long)]
        rebuild: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and check it against the anchored head (and `--head`); report
    /// the first broken link or a removed tail (exit status 1) if any.
    Verify {
        /// A head recorded earlier with `plinth audit head` (`SEQ:HASH`), kept off the machine.
        #[arg(long, value_name = "SEQ:HASH")]
        head: Vec<String>,
    },
    /// Print the head of the trail (`SEQ:HASH`) to keep a record of it off the machine.
    Head,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from a prompt, or from stdin when piped.
    Create {
        username: String,
        #[arg(long)]
        superuser: bool,
        #[arg(long, default_value = "")]
        email: String,
    },
    /// Set a user's password (prompt or stdin) and end their sessions.
    Passwd { username: String },
    /// Turn a user's second factor off (they lost their authenticator and recovery codes).
    #[command(name = "reset-2fa")]
    Reset2fa { username: String },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut config = Config::new(&cli.data);
    FileSettings::load(&cli.data)?.apply(&mut config);
    if let Some(addr) = cli.serve.addr {
        config.addr = addr;
    }
    config.workers = cli.serve.workers.unwrap_or(config.workers);
    config.log_requests &= !cli.serve.quiet;
    config.admin_password = std::env::var("PLINTH_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve if cli.serve.demo => {
            demo(&config, plinth::demo::Size::default())?;
            serve(&config)
        }
        Command::Serve => serve(&config),
        Command::Demo { seed, products } => demo(&config, plinth::demo::Size { seed, products }),
        Command::Migrate => {
            let db = plinth::open(&config)?;
            db.close();
            println!("Database {} is up to date.", config.db_path().display());
            Ok(())
        }
        Command::User(command) => user(&config, command),
        Command::Audit(AuditCommand::Verify { head }) => verify_audit(&config, &head),
        Command::Audit(AuditCommand::Head) => print_audit_head(&config),
        Command::Dev(DevCommand::Ddl { models, rebuild }) => print_ddl(&config, &models, rebuild),
    }
}

/// Fills the data directory with the demo business and prints its users' passwords.
fn demo(config: &Config, size: plinth::demo::Size) -> Result<()> {
    let db = plinth::open(config)?;
    plinth::bootstrap_admin(&db, config.admin_password.as_deref())?.inspect(|password| {
        println!("Created the administrator 'admin' with password: {password}");
    });
    let summary = plinth::demo::fill(&db, size);
    db.close();
    let summary = summary?;
    let made: Vec<String> = summary.counts.iter().map(|(model, n)| format!("{model}: {n}")).collect();
    println!("Demo business made in {:.1} s: {}.", summary.seconds, made.join(", "));
    println!("Users (passwords shown once), members of Northwind Trading:");
    for user in &summary.users {
        println!("  {:<14} {:<8} {}", user.username, user.role, user.password);
    }
    Ok(())
}

fn serve(config: &Config) -> Result<()> {
    let running = plinth::start(config)?;
    if let Some(password) = &running.admin_password {
        println!("Created the administrator 'admin' with password: {password}");
        println!("(shown once; change it with `plinth user passwd admin`)");
    }
    println!("Plinth {} listening on http://{}/", plinth::VERSION, running.addr());
    if running.max_connections() < config.max_connections {
        eprintln!(
            "The open-files limit allows {} connections, fewer than max_connections ({}); raise it (ulimit -n).",
            running.max_connections(),
            config.max_connections
        );
    }
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM])
        .context("cannot install signal handlers")?;
    if let Some(signal) = signals.forever().next() {
        eprintln!("Received signal {signal}; stopping (finishing requests, draining writes).");
    }
    running.stop();
    eprintln!("Stopped.");
    Ok(())
}

fn user(config: &Config, command: UserCommand) -> Result<()> {
    let db = plinth::open(config)?;
    let outcome = match command {
        UserCommand::Create { username, superuser, email } => {
            let password = read_password()?;
            let new = plinth::modules::users::NewUser {
                username: username.clone(),
                email,
                password,
                is_staff: superuser,
                is_superuser: superuser,
            };
            match plinth::modules::users::create(&db, plinth::engine::Author::system("cli"), new) {
                Ok(_) => Ok(format!("Created user {username}.")),
                Err(e) => {
                    db.close();
                    bail!("{e}")
                }
            }
        }
        UserCommand::Passwd { username } => {
            let password = read_password()?;
            auth::set_password(&db, &username, &password).map(|()| format!("Password of {username} changed."))
        }
        UserCommand::Reset2fa { username } => {
            let context = plinth::audit::Context { origin: "cli", ..Default::default() };
            auth::reset_totp(&db, &username, &context).map(|was_on| match was_on {
                true => format!("Two-factor authentication of {username} turned off."),
                false => format!("{username} had no two-factor authentication."),
            })
        }
    };
    db.close();
    println!("{}", outcome?);
    Ok(())
}

fn verify_audit(config: &Config, given: &[String]) -> Result<()> {
    let file = head::path(&config.data_dir);
    let mut anchors = Vec::new();
    for text in given {
        let Some(anchored) = Head::parse(text) else {
            bail!("--head {text}: expected SEQ:HASH as `plinth audit head` prints")
        };
        anchors.push(("--head".to_string(), anchored));
    }
    // Read before opening: opening anchors the head of the trail as it is now.
    let from_file = head::read(&file).map_err(|problem| anyhow::anyhow!("audit trail unverifiable: {problem}"))?;
    if let Some(anchored) = from_file {
        anchors.push((file.display().to_string(), anchored));
    }
    let db = plinth::open(config)?;
    let outcome = db.read(|conn| plinth::audit::verify_anchored(conn, &anchors));
    db.close();
    match outcome? {
        Verification::Intact { entries } => {
            println!("Audit trail intact: {entries} entries.");
            if anchors.is_empty() && entries > 0 {
                println!("(No anchored head was found: entries removed from the end would go unnoticed.)");
            }
            Ok(())
        }
        Verification::Broken { seq, reason } => bail!("audit trail broken at entry #{seq}: {reason}"),
    }
}

fn print_audit_head(config: &Config) -> Result<()> {
    let db = plinth::open(config)?;
    let current = db.read(head::current);
    db.close();
    match current? {
        Some(Head { seq, hash }) => println!("{seq}:{hash}"),
        None => println!("The audit trail is empty."),
    }
    Ok(())
}

/// Reads a new password from a terminal prompt (twice) or one line of stdin.
fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password (again): ")?;
        if first != second {
            bail!("the passwords do not match");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn print_ddl(config: &Config, names: &[String], rebuild: bool) -> Result<()> {
    let registry = plinth::modules::registry();
    let mut models = Vec::new();
    for name in names {
        models.push(registry.get(name).with_context(|| format!("no model named {name}"))?);
    }
    if models.is_empty() {
        models = registry.models().iter().collect();
    }
    if !rebuild {
        for model in models {
            println!("{}\n", plinth::engine::ddl::create(registry, model));
        }
        return Ok(());
    }
    let db = plinth::open(config)?;
    for model in models {
        let table = model.def.table;
        let columns = db.read(|conn| {
            let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
            let names = stmt.query_map([table], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            Ok::<_, plinth::store::StoreError>(names)
        })?;
        println!("{}\n", plinth::engine::ddl::rebuild(registry, model, &columns));
    }
    db.close();
    Ok(())
}
