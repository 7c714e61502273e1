//! Building blocks of the app shell shared by every page.

pub mod admin_messages;
pub mod banner;
pub mod error_view;
pub mod footer;
pub mod header;
pub mod loaded;
pub mod loading;
pub mod pager;
pub mod rows;

pub use admin_messages::LiveAdminMessages;
pub use banner::{Banner, BannerArea, Banners};
pub use error_view::ErrorView;
pub use footer::Footer;
pub use header::Header;
pub use loaded::{Loaded, Table, settled};
pub use loading::Loading;
pub use pager::{Pager, Pages};
pub use rows::{RowPage, RowPager};
