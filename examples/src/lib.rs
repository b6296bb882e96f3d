//! The pipelines behind the runnable examples (`examples/*.rs`), kept in a library so that
//! `tests/` can check the values they print.

pub mod cli;
pub mod composition;
pub mod daily_sales;
pub mod flights;
pub mod incremental;
pub mod logs;
pub mod many;
pub mod peers;
pub mod quick_start;
pub mod scenarios;
pub mod shapes;
pub mod shuffled;
pub mod word_count;
