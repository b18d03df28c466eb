use clap::Parser;
use yitu::cli::{run, Cli};

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Some(cmd) => std::process::exit(run(cmd)),
        None => {
            if let Err(e) = yitu::gui::run(cli.open) {
                eprintln!("无法打开窗口（需要图形界面）/ cannot open the window (a display is needed): {e}");
                std::process::exit(1);
            }
        }
    }
}
