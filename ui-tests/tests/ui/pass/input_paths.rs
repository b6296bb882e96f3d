// A file a task reads is an `InputPath` (fingerprinted by what it points at); a task that
// reads or writes files some other way may take a `PathBuf` if it is never reused.
use dagger_core::prelude::*;
use std::path::PathBuf;

#[task]
fn line_count(csv: InputPath) -> usize {
    std::fs::read_to_string(&csv).map(|text| text.lines().count()).unwrap_or(0)
}

#[task]
fn total(files: &[InputPath]) -> usize {
    files.iter().map(|file| std::fs::read(file).map(|bytes| bytes.len()).unwrap_or(0)).sum()
}

#[task(cache = false)]
fn write_report(lines: usize, out: PathBuf) -> Result<u64, std::io::Error> {
    std::fs::write(&out, lines.to_string())?;
    Ok(lines as u64)
}

#[dag]
fn report(csv: InputPath, out: PathBuf) -> u64 {
    write_report(line_count(csv), out)
}

fn main() {
    let _ = report::dag();
    let _ = total(&[InputPath::new("a.csv")]);
}
