//! narcodoor-numerics: the project's numerical methods as pure functions on plain numbers.
//!
//! Statistics over replicates and paired comparisons (`stats`), what a posterior's draws
//! say (`uncertainty`), sweep designs (`design`), Morris and Sobol' sensitivity
//! (`sensitivity`), NSGA-II (`nsga2`), ABC-SMC (`abc`) and the estimators of area studies
//! (`area`). Nothing here reads or writes a file, knows a scenario or serialises: this
//! crate depends on `rand` and on the model crate's random streams only, so Cargo keeps
//! IO and the front ends out of it. Every method has known-answer tests beside it.

/// An enum whose values have fixed names in the output files: `name()` and `Display`
/// give the name. The lab's `written_enum!` adds serialisation by the same name.
#[macro_export]
macro_rules! named_enum {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $var:ident => $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vm])* $var,)*
        }

        impl $name {
            /// The value as the output files write it.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$var => $text,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

pub mod abc;
pub mod area;
pub mod design;
pub mod nsga2;
pub mod sensitivity;
pub mod stats;
pub mod uncertainty;
