//! What a server says about itself (`serverInfo`): its database, its cache backend and the
//! environment it runs in, with the words the web app shows for them.

closed_enum! {
    /// The database a server keeps its data in.
    pub enum DatabaseBackend ("database backend") {
        /// SQLite (one file).
        Sqlite = "SQLITE",
        /// PostgreSQL.
        Postgres = "POSTGRES",
    }
}

impl DatabaseBackend {
    /// The name in configuration and logs (`sqlite`, `postgres`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// The name people know it by.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

closed_enum! {
    /// Where a server keeps its cache, sessions and live events.
    pub enum CacheBackend ("cache backend") {
        /// Redis, shared by every instance.
        Redis = "REDIS",
        /// The server's own memory (one instance only).
        Memory = "MEMORY",
    }
}

impl CacheBackend {
    /// The name in the health answer and logs (`redis`, `memory`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Redis => "redis",
            Self::Memory => "memory",
        }
    }

    /// The name people know it by.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Redis => "Redis",
            Self::Memory => "In-process memory",
        }
    }
}

closed_enum! {
    /// How a server runs: `APP_ENV` (or Flask's `FLASK_ENV`).
    pub enum Environment ("environment") {
        /// Development (the default; also Flask's `testing` and `default` configurations).
        Development = "DEVELOPMENT",
        /// Production (`APP_ENV=production`).
        Production = "PRODUCTION",
    }
}

impl Environment {
    /// The configuration word (`development`, `production`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
        }
    }

    /// The word people read.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Development => "Development",
            Self::Production => "Production",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_names_and_labels() {
        assert_eq!(DatabaseBackend::Postgres.as_str(), "POSTGRES");
        assert_eq!(DatabaseBackend::Postgres.name(), "postgres");
        assert_eq!(DatabaseBackend::Sqlite.label(), "SQLite");
        assert_eq!(CacheBackend::Memory.name(), "memory");
        assert_eq!(CacheBackend::Redis.label(), "Redis");
        assert_eq!(Environment::Production.name(), "production");
        assert_eq!(Environment::Development.as_str(), "DEVELOPMENT");
    }
}
