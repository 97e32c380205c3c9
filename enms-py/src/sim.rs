//! The simulator's tables as Arrow streams: the record batches `enms-sim generate` writes to
//! Parquet (`enms_sim::write::record_batches`).

use enms_sim::SimOutput;

use crate::arrow_out::ArrowStream;
use crate::errors::FaceResult;

/// Every table of a simulation run, by name, in the order of `enms_sim::TABLES`.
pub fn tables(out: &SimOutput) -> FaceResult<Vec<(&'static str, ArrowStream)>> {
    Ok(enms_sim::write::record_batches(out)?
        .into_iter()
        .map(|(name, schema, batches)| (name, ArrowStream::new(schema, batches)))
        .collect())
}
