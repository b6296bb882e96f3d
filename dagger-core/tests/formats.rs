//! Every value a task can return comes back exactly from every built-in format, or the write
//! fails with an error that says where and what to choose instead: a run on disk gives what a
//! run in memory gives.

use std::collections::BTreeMap;

use dagger_core::prelude::*;
use dagger_core::{Binary, DiskStore, Format, Json};
use proptest::prelude::*;

mod common;
use common::{numbers, scratch};

fn round_trip<F: Format, T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
    let mut bytes = Vec::new();
    F::write(value, &mut bytes).unwrap();
    F::read(&mut bytes.as_slice()).unwrap()
}

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|x| x.to_bits()).collect()
}

proptest! {
    #[test]
    fn finite_floats_come_back_bit_for_bit(x in any::<f64>().prop_filter("finite", |x| x.is_finite()), y in any::<f32>().prop_filter("finite", |y| y.is_finite())) {
        prop_assert_eq!(round_trip::<Json, f64>(&x).to_bits(), x.to_bits());
        prop_assert_eq!(round_trip::<Binary, f64>(&x).to_bits(), x.to_bits());
        prop_assert_eq!(round_trip::<Json, f32>(&y).to_bits(), y.to_bits());
        prop_assert_eq!(round_trip::<Binary, f32>(&y).to_bits(), y.to_bits());
    }

    #[test]
    fn floats_from_any_bits_come_back_through_binary(raw in any::<u64>()) {
        let x = f64::from_bits(raw);
        prop_assert_eq!(round_trip::<Binary, f64>(&x).to_bits(), raw);
    }

    #[test]
    fn integers_of_128_bits_come_back(a in any::<u128>(), b in any::<i128>(), c in any::<i64>()) {
        prop_assert_eq!(round_trip::<Json, (u128, i128, i64)>(&(a, b, c)), (a, b, c));
        prop_assert_eq!(round_trip::<Binary, (u128, i128, i64)>(&(a, b, c)), (a, b, c));
    }

    #[test]
    fn unicode_strings_and_chars_come_back(text in any::<String>(), c in any::<char>()) {
        prop_assert_eq!(round_trip::<Json, (String, char)>(&(text.clone(), c)), (text.clone(), c));
        prop_assert_eq!(round_trip::<Binary, (String, char)>(&(text.clone(), c)), (text, c));
    }

    #[test]
    fn maps_with_integer_keys_come_back_from_both(map in prop::collection::btree_map(any::<i64>(), any::<String>(), 0..20)) {
        prop_assert_eq!(&round_trip::<Json, _>(&map), &map);
        prop_assert_eq!(&round_trip::<Binary, _>(&map), &map);
    }
}

#[test]
fn edge_floats_come_back_bit_for_bit() {
    let edges = [
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE / 2.0, // subnormal
        f64::from_bits(1),       // the smallest subnormal
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        0.1 + 0.2,
        100.111_677_839_232_84, // came back one ULP off without serde_json's float_roundtrip
    ];
    assert_eq!(bits(&round_trip::<Json, Vec<f64>>(&edges.to_vec())), bits(&edges));
    assert_eq!(bits(&round_trip::<Binary, Vec<f64>>(&edges.to_vec())), bits(&edges));
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Summary {
    name: String,
    mean: f64,
    by_day: BTreeMap<String, Vec<f64>>,
}

#[test]
fn json_refuses_nan_and_infinities_and_says_where() {
    let mut by_day = BTreeMap::new();
    by_day.insert("2024-01-27".to_string(), vec![1.0, f64::INFINITY]);
    let summary = Summary { name: "ü".into(), mean: 2.0, by_day };
    let error = Json::write(&summary, &mut Vec::new()).unwrap_err().to_string();
    assert!(error.contains("`inf` at `.by_day[\"2024-01-27\"][1]`"), "{error}");
    assert!(error.contains("format = Binary"), "{error}");
    for value in [f64::NAN, f64::NEG_INFINITY] {
        assert!(Json::write(&value, &mut Vec::new()).is_err());
    }
    // Binary keeps them, NaN's bits included.
    let back = round_trip::<Binary, Summary>(&summary);
    assert_eq!(back.by_day["2024-01-27"][1], f64::INFINITY);
    let nan = f64::from_bits(0x7ff8_0000_dead_beef);
    assert_eq!(round_trip::<Binary, f64>(&nan).to_bits(), nan.to_bits());
}

#[test]
fn json_refuses_map_keys_it_cannot_hold() {
    let mut map = BTreeMap::new();
    map.insert((1u32, 2u32), 0.5f64);
    let error = Json::write(&map, &mut Vec::new()).unwrap_err().to_string();
    assert!(error.contains("map keys") && error.contains("Binary"), "{error}");
    assert_eq!(round_trip::<Binary, _>(&map), map);
}

#[task]
fn scaled(x: u64) -> f64 {
    (x as f64 + 0.1) / 7.0 * 100.111_677_839_232_84
}

#[task]
fn all_floats(xs: Vec<f64>) -> Vec<f64> {
    xs
}

#[dag]
fn floats(n: u64) -> Vec<f64> {
    all_floats(numbers(n).map(|x| scaled(x)))
}

#[test]
fn a_run_on_disk_gives_the_floats_a_run_in_memory_gives() {
    let in_memory = floats::run(500).unwrap();
    let runner = Runner::new().with_store(DiskStore::new(scratch("formats-floats"))).with_progress(false);
    let on_disk = floats { n: 500 }.execute_on(&runner).unwrap();
    assert_eq!(bits(&on_disk), bits(&in_memory));
}

/// Infinite on partition 3 only.
#[task]
fn ratio(x: u64) -> f64 {
    1.0 / (x as f64 - 3.0)
}

#[dag]
fn ratios(n: u64) -> Vec<f64> {
    all_floats(numbers(n).map(|x| ratio(x)))
}

#[test]
fn an_infinite_float_on_disk_fails_the_run_with_the_node_and_partition() {
    let runner = Runner::new().with_store(DiskStore::new(scratch("formats-infinite"))).with_progress(false);
    let error = ratios { n: 5 }.execute_on(&runner).unwrap_err();
    assert_eq!(error.partition(), Some(3));
    let message = error.to_string();
    assert!(message.contains("ratios/ratio") && message.contains("`inf`"), "{message}");
}
