//! Tracing spans. (One test per binary: tracing caches which call sites are enabled
//! process-wide, so another test running without the subscriber would disable some.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use dagger_core::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

mod common;
use common::{double, numbers, total};

/// Records the level, name and fields of every span created.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<String>>>,
    next: Arc<AtomicU64>,
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(format!("{} {}", span.metadata().level(), span.metadata().name()));
        span.record(&mut fields);
        self.spans.lock().unwrap().push(fields.0);
        Id::from_u64(self.next.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[dag]
fn traced(n: u64) -> u64 {
    total(numbers(n).map(|x| double(x)))
}

#[test]
fn every_dag_node_and_partition_is_a_span() {
    let recorder = Recorder::default();
    // A pool of one thread that runs under the recorder too.
    let dispatch = tracing::Dispatch::new(recorder.clone());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .spawn_handler({
            let dispatch = dispatch.clone();
            move |thread| {
                let dispatch = dispatch.clone();
                std::thread::spawn(move || tracing::dispatcher::with_default(&dispatch, || thread.run()));
                Ok(())
            }
        })
        .build()
        .unwrap();
    let runner = Runner::with_pool(Arc::new(pool));
    let result = tracing::dispatcher::with_default(&dispatch, || traced { n: 2 }.execute_on(&runner));
    assert_eq!(result.unwrap(), 2);
    let mut spans = recorder.spans.lock().unwrap().clone();
    spans.sort();
    assert_eq!(
        spans,
        [
            "DEBUG partition node=double partition=0",
            "DEBUG partition node=double partition=1",
            "INFO dag path=traced",
            // A map's jobs are seen at the default level, with the partitions each runs.
            "INFO map source=numbers nodes=double first=0 partitions=1",
            "INFO map source=numbers nodes=double first=1 partitions=1",
            "INFO node node=numbers",
            "INFO node node=total",
        ]
    );
}
