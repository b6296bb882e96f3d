//! The Argo simulator (`argo_sim`): its unit tests (expressions, variables, sequences, retries,
//! the bucket, path mapping) run here.

mod argo_sim;
