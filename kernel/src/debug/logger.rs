//! The `log` backend: `[seconds.micros] LEVEL target: message` on the serial console. The level
//! comes from `loglevel=` (Linux's 0-7 numbers, or a name: error, warn, info, debug, trace).

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Logger;

static LOGGER: Logger = Logger;

impl Log for Logger {
    fn enabled(&self, m: &Metadata) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &Record) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let ns = crate::time::monotonic_ns();
        let level = match r.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        let target = r.target().strip_prefix("keel::").unwrap_or(r.target());
        crate::println!(
            "[{:5}.{:06}] {level} {target}: {}",
            ns / 1_000_000_000,
            ns % 1_000_000_000 / 1000,
            r.args()
        );
    }

    fn flush(&self) {}
}

/// Parses a `loglevel=` value.
pub fn parse_level(s: &str) -> Option<LevelFilter> {
    Some(match s {
        "0" | "1" | "2" | "3" | "error" => LevelFilter::Error,
        "4" | "warn" => LevelFilter::Warn,
        "5" | "6" | "info" => LevelFilter::Info,
        "7" | "debug" => LevelFilter::Debug,
        "8" | "trace" => LevelFilter::Trace,
        "off" => LevelFilter::Off,
        _ => return None,
    })
}

/// Installs the logger.
pub fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}
