//! YiTu (一图): an offline GIS workstation for county planners and village cadres.
//!
//! Layers (see ARCHITECTURE.md): [`core`] (no GUI) ← [`cli`] and [`gui`] (thin shells).

pub mod cli;
pub mod core;
pub mod gui;
