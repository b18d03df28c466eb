//! Analyses: the overlay of parcels on villages, geometry made fit for analysis (repair, orientation, overlaps),
//! the roles of layers, a town's or village's scope, and the village file (一村一档) with the farmland ledger.
//! The industry-chain files (chain, density, hot spots, clusters, co-location, relatedness), the talent map's
//! accessibility (access) and land-use proposal checks go here too.
//!
//! Each analysis is a library function with typed inputs and a typed result, and progress and cancel.
//!
//! May use: [`crate::core::data`], [`crate::core::io`], [`crate::core::model`].

pub mod access;
pub mod chain;
pub mod cluster;
pub mod colocation;
pub mod density;
pub mod hotspot;
pub mod neighbours;
pub mod overlay;
pub mod profile;
pub mod proposal;
pub mod relatedness;
pub mod repair;
pub mod roles;
pub mod scope;
pub mod talent;
