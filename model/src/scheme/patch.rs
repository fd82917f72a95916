//! "Scheme X, except this step": a [`Patch`] states only how it differs
//! from the scheme it is based on, the way a kernel patch is a diff.
//!
//! # How a patch is dispatched
//!
//! A [`Scheme`]'s operations come in two kinds, and a patch inherits them
//! differently, as the kernel's code is layered:
//!
//! - **Primitives** stand for one kernel function each (`get_page`,
//!   `try_grab_folio`, `gup_put_folio`, `folio_maybe_dma_pinned`, ...). A
//!   patch inherits each one from its base, unchanged, unless it writes its
//!   own.
//! - **Generic GUP code** ([`crate::gup`]: `pin_user_pages`, the gup_fast
//!   walk, `unpin_user_pages*`, and the small wrappers such as
//!   `unpin_user_page`) is shared by every version: a patch runs it over
//!   *its own* primitives. A patch that changes `try_grab_folio` therefore
//!   changes what `pin_user_pages` does, error paths included, as a kernel
//!   patch to `try_grab_folio` would.
//!
//! A patch may be the base of another patch: kernel versions are written
//! this way, each the previous one plus its fixes.
//!
//! A patch has every method twice, as [`Patch`] and as [`Scheme`] (the
//! same), and so has every built-in scheme (each is a
//! [`crate::scheme::bias::BiasScheme`], and so a patch): implement a patch
//! by its path (`impl pinref_model::Patch for ..`) or keep the two traits
//! out of one scope, so that method calls resolve. Inside the `impl` block
//! both are in scope: call an operation there by its trait,
//! `Scheme::put_page(self, page)` or `Scheme::try_grab_folio(&V5_7, ..)`.
//!
//! A patch changes whole operations. To change one *step* of the kernel's
//! bias code (a guard, a statistic, the ordering of the final put), write a
//! [`crate::scheme::bias::BiasScheme`] instead: it is a patch too, whose
//! primitives run over its own steps.
//!
//! # Example: v5.11, except that the dirtying unpin forgets to dirty
//!
//! ```
//! use pinref_model::page_flags::page_dirty;
//! use pinref_model::sync::{Platform, Std};
//! use pinref_model::{GupError, GupFlags, Held, Layout, Memory, PageRef, Scheme, V5_11};
//!
//! #[derive(Debug, Default)]
//! struct ForgetfulDirty;
//!
//! // Named by its path, so that `Patch` is not imported (see above).
//! impl pinref_model::Patch for ForgetfulDirty {
//!     // Its base, its name and its description (see `patch_of!`).
//!     pinref_model::patch_of!(
//!         V5_11,
//!         "forgetful-dirty",
//!         "v5_11, but the dirtying unpin never dirties"
//!     );
//!
//!     // Generic GUP code, replaced; in here, an operation is called by
//!     // its trait.
//!     fn unpin_user_pages_dirty_lock<P: Platform>(
//!         &self,
//!         pages: &[PageRef<'_, P>],
//!         _make_dirty: bool,
//!     ) -> Result<(), GupError> {
//!         Scheme::unpin_user_pages(self, pages)
//!     }
//! }
//!
//! let memory = Memory::<Std>::new(&Layout::single_page());
//! let page = memory.page(0)?;
//! ForgetfulDirty.init_page(page, Held { plain: 1, pins: 0 });
//! let pinned = ForgetfulDirty.pin_user_pages(&memory, 0, 1, GupFlags::FOLL_WRITE)?;
//! assert!(ForgetfulDirty.page_dma_pinned(page)); // v5.11's grab
//! ForgetfulDirty.unpin_user_pages_dirty_lock(&pinned, true)?;
//! assert!(!ForgetfulDirty.page_dma_pinned(page));
//! assert!(!page_dirty(page)); // this patch's unpin
//! # Ok::<(), GupError>(())
//! ```

use crate::error::GupError;
use crate::flags::GupFlags;
use crate::gup;
use crate::memory::Memory;
use crate::page::PageRef;
use crate::scheme::operations::scheme_operations;
use crate::scheme::{Claims, Counts, Held, KnownBug, MmCode, PageShape, Scheme, init_counts};
use crate::sync::Platform;

/// Writes [`Patch`]'s items from the operation list: a patch names
/// itself; it inherits the abstraction, the facts and the primitives from
/// its base; it runs the generic code over itself.
macro_rules! patch_items {
    (identity $(
        $(#[$doc:meta])*
        fn $name:ident(&$self:ident) -> $ret:ty;
    )*) => {$(
        #[doc = concat!("[`Scheme::", stringify!($name), "`]: a patch always has its own.")]
        fn $name(&$self) -> $ret;
    )*};
    (generic $(
        $(#[$doc:meta])*
        fn $name:ident<$($lt:lifetime,)? P: Platform>
            (&$self:ident $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)? $default:block
    )*) => {$(
        #[doc = concat!("[`Scheme::", stringify!($name), "`]: the generic code, over this patch.")]
        fn $name<$($lt,)? P: Platform>(&$self $(, $arg: $ty)*) $(-> $ret)?
        where
            Self: Scheme + Sized,
        $default
    )*};
    ($inherited:ident $(
        $(#[$doc:meta])*
        fn $name:ident $(<$($lt:lifetime,)? $p:ident: Platform>)?
            (&$self:ident $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)? $(;)? $($default:block)?
    )*) => {$(
        #[doc = concat!("[`Scheme::", stringify!($name), "`]; the base's by default.")]
        fn $name $(<$($lt,)? $p: Platform>)? (&$self $(, $arg: $ty)*) $(-> $ret)? {
            Scheme::$name($self.base() $(, $arg)*)
        }
    )*};
}

/// Writes the [`Scheme`] impl of every patch: each operation is the
/// patch's own.
macro_rules! scheme_from_patch {
    ($group:ident $(
        $(#[$doc:meta])*
        fn $name:ident $(<$($lt:lifetime,)? $p:ident: Platform>)?
            (&$self:ident $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)? $(;)? $($default:block)?
    )*) => {$(
        fn $name $(<$($lt,)? $p: Platform>)? (&$self $(, $arg: $ty)*) $(-> $ret)? {
            Patch::$name($self $(, $arg)*)
        }
    )*};
}

/// A scheme written as its base plus the steps that differ: see the module
/// docs. Every method has a default: the base's for primitives, the
/// kernel's generic code (over this patch) for the rest. Implementing
/// `Patch` makes a type a [`Scheme`]. A patch that fixes a bug of its base
/// leaves it out of its [`Patch::known_bugs`].
pub trait Patch: Send + Sync + 'static {
    /// The scheme this one is a patch to.
    type Base: Scheme;

    /// The base scheme's value.
    fn base(&self) -> &Self::Base;

    scheme_operations!(patch_items);
}

impl<T: Patch> Scheme for T {
    scheme_operations!(scheme_from_patch);
}

/// The header of a [`Patch`] whose base is a unit struct (every built-in
/// version is one), inside its `impl` block: `patch_of!(V6_5, "name",
/// "description")` says `type Base = V6_5`, `base()` (that value),
/// [`Scheme::name`] and [`Scheme::description`], so that the block holds
/// only what the patch changes. A base with fields writes `base()` itself.
///
/// ```
/// use pinref_model::sync::Platform;
/// use pinref_model::{GupError, PageRef, Scheme, V6_5};
///
/// struct UnpinForgetsTheStatistic;
///
/// impl pinref_model::Patch for UnpinForgetsTheStatistic {
///     pinref_model::patch_of!(V6_5, "unpin-forgets", "v6_5, but unpin does nothing");
///
///     fn unpin_user_page<P: Platform>(&self, _page: PageRef<'_, P>) -> Result<(), GupError> {
///         Ok(())
///     }
/// }
///
/// assert_eq!(UnpinForgetsTheStatistic.name(), "unpin-forgets");
/// ```
#[macro_export]
macro_rules! patch_of {
    ($base:path, $name:expr, $description:expr $(,)?) => {
        type Base = $base;
        fn base(&self) -> &$base {
            &$base
        }
        fn name(&self) -> &'static str {
            $name
        }
        fn description(&self) -> &'static str {
            $description
        }
    };
}
