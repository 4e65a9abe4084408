//! Who is calling and what they may do. `sigv4` proves who signed a request (AWS
//! Signature Version 4); `policy` decides whether that caller may perform an action on
//! a resource, as IAM evaluates identity and resource policies. Neither knows HTTP
//! frameworks, queues or storage: the wire layer hands them plain request parts and
//! facts, and the clock's reading comes in as an argument.

pub mod policy;
pub mod sigv4;
