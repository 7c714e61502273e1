//! Gene lists: reading uploaded files and writing merged lists in the formats labs use.

pub mod export;
pub mod upload;
pub mod verify;
