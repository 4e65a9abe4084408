//! Policy evaluation (being written).
