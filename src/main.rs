use clap::Parser;
use yitu::cli::{run, Cli};

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Some(cmd) => std::process::exit(run(cmd)),
        None => {
            eprintln!("GUI not built yet");
        }
    }
}
