//! Pure, synchronous classifiers over plain data: where an affiliation is ([`china`]), whether a
//! funder or award is US Department of Defense ([`dod`]), and the per-work decision that joins
//! them into a flag with its evidence ([`work`]).

pub mod awards;
pub mod china;
pub mod countries;
pub mod decision;
pub mod dod;
pub mod entities;
pub mod explain;
pub mod people;
pub mod text;
pub mod work;
