//! The desktop app (eframe/egui + walkers): a thin shell over [`crate::core`].
//! One module per view: the map, the layer panel, the attribute table, the basemap sources, the department data,
//! the village files, the chain window, the scope, and the dialog of an algorithm built from its parameters.

pub mod algorithm;
pub mod app;
pub mod basemap;
pub mod bench;
pub mod chain;
pub mod data;
pub mod layers;
pub mod layout;
pub mod map_view;
pub mod profile;
pub mod proposal;
pub mod scope;
pub mod table;
pub mod talent;

use std::path::PathBuf;

/// The Simplified Chinese font shipped in assets (WenQuanYi Micro Hei, Apache-2.0).
pub static CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei.ttc");

/// Installs the shipped CJK font as a fallback after egui's own fonts, so Chinese renders on
/// machines without CJK fonts (and in headless tests).
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "wqy-microhei".into(),
        std::sync::Arc::new(egui::FontData::from_static(CJK_FONT)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("wqy-microhei".into());
    }
    ctx.set_fonts(fonts);
}

/// Work running on its own thread: its label, its [`crate::core::model::progress::Progress`] (progress
/// bar and cancel) and, once done, its result.
pub struct Job<T> {
    /// What it does.
    pub label: String,
    /// Its progress (and cancel).
    pub progress: crate::core::model::progress::Progress,
    rx: std::sync::mpsc::Receiver<T>,
}

impl<T: Send + 'static> Job<T> {
    /// Runs `f` on its own thread; its result wakes the UI.
    pub fn spawn(
        label: String,
        ctx: &egui::Context,
        f: impl FnOnce(&crate::core::model::progress::Progress) -> T + Send + 'static,
    ) -> Job<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        let progress = crate::core::model::progress::Progress::new();
        let (p, ctx) = (progress.clone(), ctx.clone());
        std::thread::spawn(move || {
            let _ = tx.send(f(&p));
            ctx.request_repaint();
        });
        Job {
            label,
            progress,
            rx,
        }
    }

    /// The result, if the job has finished (`Disconnected` if its thread died).
    pub fn try_result(&self) -> Result<T, std::sync::mpsc::TryRecvError> {
        self.rx.try_recv()
    }
}

/// One row per job: label and stage, progress bar, a cancel button (which cancels it).
pub fn job_rows<T>(ui: &mut egui::Ui, jobs: &[Job<T>], lang: Lang) {
    for j in jobs {
        ui.horizontal(|ui| {
            let stage = j.progress.stage_name();
            if stage.is_empty() {
                ui.label(&j.label);
            } else {
                ui.label(format!("{} · {stage}", j.label));
            }
            ui.add(egui::ProgressBar::new(j.progress.fraction()).desired_width(200.0));
            if ui.small_button(lang.tr("取消", "Cancel")).clicked() {
                j.progress.cancel();
            }
        });
    }
}

/// UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The half of a bilingual message `中文 / English` (or `中文（注）/ English`) for this language. A message
    /// with one such separator splits there, whatever `；` its Chinese half holds; a message of several parts
    /// joined by `；`, each bilingual, keeps each part's half. Text without a separator is kept whole.
    pub fn pick(self, text: &str) -> String {
        let half = |part: &str| -> String {
            match split_bilingual(part) {
                Some((zh, en)) => match self {
                    Lang::Zh => zh.trim().to_string(),
                    Lang::En => en.trim().to_string(),
                },
                None => part.to_string(),
            }
        };
        if bilingual_separators(text).len() <= 1 {
            return half(text);
        }
        text.split('；')
            .map(half)
            .collect::<Vec<_>>()
            .join(match self {
                Lang::Zh => "；",
                Lang::En => "; ",
            })
    }

    /// Picks the Chinese or the English text.
    #[inline]
    pub fn tr<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// From a settings code ("en" → English, anything else Chinese).
    pub fn from_code(code: &str) -> Lang {
        if code.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// Settings code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// Where `text` changes from Chinese to English: each `/ ` after a space or a closing full-width mark (`）`, `。`,
/// `」`) with Chinese before it and none of the Chinese marks after it up to the next separator. Byte offsets of
/// the `/`.
fn bilingual_separators(text: &str) -> Vec<usize> {
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    text.match_indices("/ ")
        .map(|(i, _)| i)
        .filter(|&i| {
            let before = &text[..i];
            matches!(before.chars().last(), Some(' ' | '）' | '。' | '」' | '】'))
                && before.chars().any(cjk)
        })
        .collect()
}

/// `text` split at its first bilingual separator into (Chinese, English), if it has one.
fn split_bilingual(text: &str) -> Option<(&str, &str)> {
    let i = *bilingual_separators(text).first()?;
    Some((&text[..i], &text[i + 2..]))
}

/// Opens the desktop window, optionally with a project or data file, and cut to a scope (a town
/// or a village of its village layer).
pub fn run(
    open: Option<PathBuf>,
    scope: Option<crate::core::analysis::profile::Scope>,
) -> eframe::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("一图 YiTu")
            .with_inner_size([1360.0, 860.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "YiTu",
        options,
        Box::new(move |cc| {
            install_fonts(&cc.egui_ctx);
            let mut app = app::YituApp::new(
                cc.egui_ctx.clone(),
                crate::core::io::project::Settings::load(),
            );
            // The shipped China basemap under whatever opens; a project then sets its own basemap and view.
            app.start_on_china_basemap();
            if let Some(p) = open {
                app.open_path(&p);
            }
            app.start_scope = scope;
            Ok(Box::new(app))
        }),
    )
}

#[cfg(test)]
mod lang_tests {
    use super::Lang;

    #[test]
    fn pick_takes_each_half() {
        let en = |s: &str| Lang::En.pick(s);
        let zh = |s: &str| Lang::Zh.pick(s);
        assert_eq!(en("别名已设置 / alias set"), "alias set");
        assert_eq!(zh("别名已设置 / alias set"), "别名已设置");
        // A Chinese half with its own ；.
        let s = "有规上或链主企业；无参照区域，不算区位熵 / a 规上 or lead firm; no reference region, so no LQ";
        assert_eq!(en(s), "a 规上 or lead firm; no reference region, so no LQ");
        assert_eq!(zh(s), "有规上或链主企业；无参照区域，不算区位熵");
        // A closing bracket before the slash.
        assert_eq!(
            en("本地无企业（LQ 0.5）/ no local firm (LQ 0.5)"),
            "no local firm (LQ 0.5)"
        );
        // Several bilingual parts.
        assert_eq!(en("甲 / a；乙 / b"), "a; b");
        assert_eq!(zh("甲 / a；乙 / b"), "甲；乙");
        // Paths and fractions are not separators.
        assert_eq!(en("/tmp/a b/ c"), "/tmp/a b/ c");
        assert_eq!(en("3 / 4 rows"), "3 / 4 rows");
    }
}
