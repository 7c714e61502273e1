//! Building blocks shared by pages: the app shell, loading and paging, and the pieces several
//! pages show (form outcomes, gene badges, download controls). Pages import from here, never
//! from one another.

pub mod admin_messages;
pub mod banner;
pub mod error_view;
pub mod exports;
pub mod footer;
pub mod genes;
pub mod header;
pub mod loaded;
pub mod loading;
pub mod outcome;
pub mod pager;
pub mod rows;

pub use admin_messages::LiveAdminMessages;
pub use banner::{Banner, BannerArea, Banners};
pub use error_view::ErrorView;
pub use footer::Footer;
pub use header::Header;
pub use loaded::{Loaded, Table, settled};
pub use loading::Loading;
pub use outcome::outcome;
pub use pager::{Pager, Pages};
pub use rows::{RowPage, RowPager};
