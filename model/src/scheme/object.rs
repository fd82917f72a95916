//! [`SchemeObject`]: any [`Scheme`], type-erased, so that engines and
//! scenarios can be chosen at run time and listed as values.
//!
//! A [`Scheme`]'s methods are generic over the [`Platform`], so a scheme is
//! not a trait object by itself. For one platform it is: [`DynScheme<P>`]
//! has the same methods for a fixed `P`, and every scheme implements it for
//! every platform. [`AnyScheme`] gathers those views, one per platform of
//! the sync layer, and [`Platform::scheme_view`] picks the right one, so
//! that [`SchemeObject`] is itself a [`Scheme`] that dispatches each call to
//! the scheme it wraps: every override the scheme has (a primitive or the
//! generic code) is kept.
//!
//! The cost is one indirect call per operation, nothing beside an engine.

use crate::error::GupError;
use crate::flags::GupFlags;
use crate::memory::Memory;
use crate::page::PageRef;
use crate::scheme::operations::scheme_operations;
use crate::scheme::{Claims, Counts, Held, KnownBug, MmCode, PageShape, Scheme};
use crate::sync::{Explorer, Loom, Platform, Shuttle, Std};
use std::fmt;
use std::sync::Arc;

/// Writes the type-erased traits from the operation list: their
/// declarations (`decl`) and their blanket impls (`impl`, each operation
/// the scheme's own), for [`DynScheme`] (`dyn`: the platform operations,
/// `P` fixed by the trait) or for [`AnyScheme`] (`any`: the platform-free
/// facts).
macro_rules! erased {
    ($mode:ident dyn $group:ident $(
        $(#[$doc:meta])*
        fn $name:ident<$($lt:lifetime,)? P: Platform>
            (&$self:ident $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)? $(;)? $($default:block)?
    )*) => {$(
        erased!(@$mode $name<$($lt)?>($self $(, $arg: $ty)*) $(-> $ret)?);
    )*};
    ($mode:ident any $group:ident $(
        $(#[$doc:meta])*
        fn $name:ident(&$self:ident $(, $arg:ident: $ty:ty)*) -> $ret:ty $(;)? $($default:block)?
    )*) => {$(
        erased!(@$mode $name<>($self $(, $arg: $ty)*) -> $ret);
    )*};
    ($mode:ident $view:ident $($other_group:tt)*) => {};
    (@decl $name:ident<$($lt:lifetime)?>($self:ident $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?) => {
        #[doc = concat!("[`Scheme::", stringify!($name), "`].")]
        fn $name<$($lt)?>(&$self $(, $arg: $ty)*) $(-> $ret)?;
    };
    (@impl $name:ident<$($lt:lifetime)?>($self:ident $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?) => {
        fn $name<$($lt)?>(&$self $(, $arg: $ty)*) $(-> $ret)? {
            Scheme::$name($self $(, $arg)*)
        }
    };
}

/// Writes [`SchemeObject`]'s [`Scheme`] impl: a fact is the wrapped
/// scheme's; an operation runs on the wrapped scheme's view of `P`, inside
/// [`Platform::operation`], named after it.
macro_rules! scheme_from_object {
    ($group:ident $(
        $(#[$doc:meta])*
        fn $name:ident(&$self:ident $(, $arg:ident: $ty:ty)*) -> $ret:ty $(;)? $($default:block)?
    )*) => {$(
        fn $name(&$self $(, $arg: $ty)*) -> $ret {
            $self.0.$name($($arg),*)
        }
    )*};
    ($group:ident $(
        $(#[$doc:meta])*
        fn $name:ident<$($lt:lifetime,)? P: Platform>
            (&$self:ident $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)? $(;)? $($default:block)?
    )*) => {$(
        fn $name<$($lt,)? P: Platform>(&$self $(, $arg: $ty)*) $(-> $ret)? {
            P::operation(stringify!($name), || $self.on::<P>().$name($($arg),*))
        }
    )*};
}

/// A scheme's operations on one platform, as a trait object. Implemented
/// for every [`Scheme`] on every [`Platform`]; see the module docs.
pub trait DynScheme<P: Platform>: Send + Sync {
    scheme_operations!(erased, decl dyn);
}

impl<S: Scheme, P: Platform> DynScheme<P> for S {
    scheme_operations!(erased, impl dyn);
}

/// A scheme on every platform of the sync layer: its platform-free facts,
/// and one [`DynScheme`] view per platform. Implemented for every
/// [`Scheme`]; a new platform adds itself to the supertraits (one line).
pub trait AnyScheme:
    DynScheme<Std> + DynScheme<Loom> + DynScheme<Shuttle> + DynScheme<Explorer>
{
    scheme_operations!(erased, decl any);
}

impl<S: Scheme> AnyScheme for S {
    scheme_operations!(erased, impl any);
}

/// Any scheme, type-erased and cheap to clone (shared): itself a
/// [`Scheme`] that forwards every call to the scheme it wraps. Engines,
/// scenarios and reports take schemes in this form, so that a scheme needs
/// neither `Clone` nor `Default`, and may carry parameters.
#[derive(Clone)]
pub struct SchemeObject(Arc<dyn AnyScheme>);

impl SchemeObject {
    /// Wraps `scheme`.
    pub fn new<S: Scheme>(scheme: S) -> SchemeObject {
        SchemeObject(Arc::new(scheme))
    }

    /// The scheme's view on platform `P`.
    pub fn on<P: Platform>(&self) -> &dyn DynScheme<P> {
        P::scheme_view(&*self.0)
    }
}

impl fmt::Debug for SchemeObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SchemeObject({})", self.0.name())
    }
}

impl Scheme for SchemeObject {
    scheme_operations!(scheme_from_object);
}
