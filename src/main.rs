use clap::FromArgMatches;
use yitu::cli::{run, Cli};

fn main() {
    let matches = yitu::cli::command().get_matches();
    if let Some((a, sub)) = yitu::cli::algorithm_of(&matches) {
        yitu::cli::quiet_on_closed_pipe();
        yitu::cli::clean_up_when_interrupted();
        std::process::exit(yitu::cli::run_algorithm(a, sub))
    }
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Some(cmd) => {
            yitu::cli::quiet_on_closed_pipe();
            yitu::cli::clean_up_when_interrupted();
            std::process::exit(run(cmd))
        }
        None => {
            let scope = yitu::cli::scope_of(cli.village, cli.town, false);
            if let Err(e) = yitu::gui::run(cli.open, scope) {
                eprintln!("无法打开窗口（需要图形界面）/ cannot open the window (a display is needed): {e}");
                std::process::exit(1);
            }
        }
    }
}
