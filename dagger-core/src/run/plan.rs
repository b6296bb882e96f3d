//! What the runtime derives from a graph before running it: who waits for whom, how often each
//! value is read, and how the chain of tasks of each map runs. Derived once per run (for the
//! root DAG and every DAG nested in it), so that the run itself only counts down.

use crate::graph::{Graph, How, MapSpec, NodeSpec, Port, Source, Work};

/// Values read an unknown number of times are kept until the run ends.
pub(super) const KEEP: u32 = u32::MAX;

/// The plan of one graph, and of the graphs nested in it.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// For each node outside maps, the distinct nodes whose completion it waits for.
    pub(super) waits_for: Vec<u32>,
    /// For each node, the nodes outside maps that wait for it.
    pub(super) node_dependents: Vec<Vec<u32>>,
    /// For each node, the maps that wait for it (it is one of their whole inputs).
    pub(super) map_dependents: Vec<Vec<u32>>,
    /// For each node, the maps over its partitioned output.
    pub(super) maps_over: Vec<Vec<u32>>,
    /// For each node, how many times each of its values (the whole value, or each partition)
    /// is read during a run, or [`KEEP`] when a node that runs once per partition reads the
    /// whole output (as many times as there are partitions).
    pub(super) reads: Vec<u32>,
    /// For each map, how its chain of tasks runs.
    pub(super) chains: Vec<Chain>,
    /// For each node that is a nested DAG, its plan.
    pub(super) nested: Vec<Option<Plan>>,
}

/// How the chain of tasks of one map runs on its partitions. The values of a chain are the
/// partition of the map's source (slot 0) and the result of each of its nodes (slot `1 + i`
/// for `MapSpec::nodes[i]`).
#[derive(Clone, Debug, Default)]
pub(super) struct Chain {
    /// For each node of the map, the slot of the value each of its inputs reads, for the
    /// inputs that read a partition (`None` for a whole input).
    pub(super) slots: Vec<Vec<Option<usize>>>,
    /// For each slot, how many inputs of the chain read it: the last one gets the value moved.
    pub(super) uses: Vec<usize>,
    /// Whether the chain runs over a batch of partitions at once: every node is a task with a
    /// batch entry point that reads one partition (and whole values).
    pub(super) batched: bool,
}

impl Plan {
    pub(super) fn of(graph: &Graph) -> Plan {
        let nodes = &graph.nodes;
        let mut plan = Plan {
            waits_for: vec![0; nodes.len()],
            node_dependents: vec![Vec::new(); nodes.len()],
            map_dependents: vec![Vec::new(); nodes.len()],
            maps_over: vec![Vec::new(); nodes.len()],
            reads: reads(nodes, &graph.maps, graph.output),
            chains: graph.maps.iter().map(|map| chain(nodes, map)).collect(),
            nested: nodes
                .iter()
                .map(|node| match &node.work {
                    Work::Dag(inner) => Some(Plan::of(inner)),
                    Work::Task(..) | Work::Derived(_) => None,
                })
                .collect(),
        };
        for (index, node) in nodes.iter().enumerate() {
            if node.map.is_some() {
                continue;
            }
            let mut sources: Vec<u32> = node
                .inputs
                .iter()
                .filter_map(|e| match e.port.source {
                    Source::Node(n) => Some(n),
                    _ => None,
                })
                .collect();
            sources.sort_unstable();
            sources.dedup();
            plan.waits_for[index] = sources.len() as u32;
            for source in sources {
                plan.node_dependents[source as usize].push(index as u32);
            }
        }
        for (index, map) in graph.maps.iter().enumerate() {
            if map.nodes.is_empty() {
                continue;
            }
            plan.maps_over[map.source as usize].push(index as u32);
            for &input in &map.whole_inputs {
                plan.map_dependents[input as usize].push(index as u32);
            }
        }
        plan
    }
}

/// Who reads each output, and how often: a fan-in or a node outside maps once; a map once
/// (each of its jobs reads the partitions of its range, and passes them along its chain of
/// tasks); a node in a map that reads a whole output, once per partition: a number not known
/// yet.
fn reads(nodes: &[NodeSpec], maps: &[MapSpec], output: Option<Port>) -> Vec<u32> {
    let mut reads = vec![0u32; nodes.len()];
    for node in nodes {
        for edge in &node.inputs {
            let Source::Node(source) = edge.port.source else { continue };
            let count = &mut reads[source as usize];
            *count = match (node.map, edge.how) {
                (_, How::Split(_)) => continue,
                (Some(_), _) => KEEP,
                (None, _) => count.saturating_add(1),
            };
        }
    }
    for map in maps.iter().filter(|map| !map.nodes.is_empty()) {
        let count = &mut reads[map.source as usize];
        *count = count.saturating_add(1);
    }
    if let Some(Port { source: Source::Node(n), .. }) = output {
        reads[n as usize] = reads[n as usize].saturating_add(1);
    }
    reads
}

/// The chain of tasks of `map`: which value of the chain each input reads, and how often each
/// is read.
fn chain(nodes: &[NodeSpec], map: &MapSpec) -> Chain {
    let slot_of = |source: Source| match source {
        Source::Node(n) if n == map.source => Some(0),
        Source::Node(n) => map.nodes.iter().position(|&m| m == n).map(|i| i + 1),
        _ => None,
    };
    let mut chain = Chain { slots: Vec::new(), uses: vec![0; map.nodes.len() + 1], batched: true };
    for &node in &map.nodes {
        let node = &nodes[node as usize];
        let slots: Vec<Option<usize>> = node
            .inputs
            .iter()
            .map(|edge| match edge.how {
                How::Split(_) => slot_of(edge.port.source),
                _ => None,
            })
            .collect();
        for &slot in slots.iter().flatten() {
            chain.uses[slot] += 1;
        }
        let splits = node.inputs.iter().filter(|edge| matches!(edge.how, How::Split(_))).count();
        chain.batched &= matches!(node.work, Work::Task(_, Some(_)))
            && splits == 1
            && slots.iter().flatten().count() == 1
            && node.inputs.iter().all(|edge| matches!(edge.how, How::Split(_) | How::Whole));
        chain.slots.push(slots);
    }
    chain
}
