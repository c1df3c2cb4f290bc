//! The sign-in throttle's schedule is a rule of the domain, counted by the sign-in use
//! cases of the core; this path stays for the settings that name it.

pub use awladna_domain::throttle::Throttle;
