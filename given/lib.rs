//! What the kit gives every lab: the helpers the contract needs but no lab
//! teaches. Your programs in `labs/` call them; read them to see how they
//! work. Do not change them: the tests, and your teacher's grader, use the
//! kit's own copy of this folder.
//!
//! EN: `use given::{MAX_LINE, is_goodbye, text_of};` at the top of a lab
//!     brings the names it calls. Each module is one concern, and says
//!     which labs use it.
//! ES: `use given::{MAX_LINE, is_goodbye, text_of};` al principio de un lab
//!     trae los nombres que llama. Cada módulo trata una sola cosa, y dice
//!     qué labs lo usan.

pub mod accept;
pub mod close;
pub mod limits;
pub mod lines;
pub mod tasks;

pub use accept::{is_about_one_client, wake_accept};
pub use close::linger;
pub use limits::raise_open_file_limit;
pub use lines::{MAX_LINE, is_goodbye, printable, text_of};
