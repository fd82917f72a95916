//! The `FOLL_*` flags of `get_user_pages` that decide which kind of reference
//! a grab takes.

use crate::error::GupError;
use std::fmt;
use std::ops::BitOr;

/// A set of `FOLL_*` flags (`include/linux/mm.h`; values as in v5.7).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GupFlags(u32);

impl GupFlags {
    /// No flags.
    pub const NONE: GupFlags = GupFlags(0);
    /// `FOLL_WRITE`: the caller will write to the pages.
    pub const FOLL_WRITE: GupFlags = GupFlags(0x01);
    /// `FOLL_GET`: take a plain reference (`get_page`), released by `put_page`.
    pub const FOLL_GET: GupFlags = GupFlags(0x04);
    /// `FOLL_LONGTERM`: the pin may be held indefinitely (RDMA, VFIO).
    pub const FOLL_LONGTERM: GupFlags = GupFlags(0x10000);
    /// `FOLL_PIN`: take a DMA pin (`GUP_PIN_COUNTING_BIAS`), released by
    /// `unpin_user_page*`. Set only by the `pin_user_pages*` entry points.
    pub const FOLL_PIN: GupFlags = GupFlags(0x40000);

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Flags from raw bits (unknown bits are kept and ignored).
    pub const fn from_bits(bits: u32) -> GupFlags {
        GupFlags(bits)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: GupFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Which kind of reference a grab with these flags takes.
    ///
    /// Stands for the checks at the top of `try_grab_page` / `try_grab_folio`
    /// (mm/gup.c) and of `__get_user_pages_locked`: `FOLL_GET` and `FOLL_PIN`
    /// together are refused (`-EINVAL`), and a grab needs one of them.
    pub fn ref_kind(self) -> Result<RefKind, GupError> {
        match (
            self.contains(GupFlags::FOLL_GET),
            self.contains(GupFlags::FOLL_PIN),
        ) {
            (true, true) => Err(GupError::FollGetAndPin),
            (true, false) => Ok(RefKind::Get),
            (false, true) => Ok(RefKind::Pin),
            (false, false) => Err(GupError::NoReferenceRequested),
        }
    }
}

impl BitOr for GupFlags {
    type Output = GupFlags;
    fn bitor(self, rhs: GupFlags) -> GupFlags {
        GupFlags(self.0 | rhs.0)
    }
}

impl fmt::Debug for GupFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (GupFlags::FOLL_WRITE, "FOLL_WRITE"),
            (GupFlags::FOLL_GET, "FOLL_GET"),
            (GupFlags::FOLL_LONGTERM, "FOLL_LONGTERM"),
            (GupFlags::FOLL_PIN, "FOLL_PIN"),
        ];
        let mut first = true;
        for (flag, name) in names {
            if self.contains(flag) && flag.0 != 0 {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        let known = names.iter().fold(0, |bits, (flag, _)| bits | flag.0);
        if self.0 & !known != 0 {
            if !first {
                f.write_str(" | ")?;
            }
            write!(f, "{:#x}", self.0 & !known)?;
            first = false;
        }
        if first {
            f.write_str("0")?;
        }
        Ok(())
    }
}

/// The two kinds of reference that share a page's refcount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    /// A plain reference: `get_page`, `FOLL_GET`; released by `put_page`.
    Get,
    /// A DMA pin: `FOLL_PIN`; released by `unpin_user_page*`.
    Pin,
}

impl RefKind {
    /// The flag that asks for this kind of reference.
    pub fn flag(self) -> GupFlags {
        match self {
            RefKind::Get => GupFlags::FOLL_GET,
            RefKind::Pin => GupFlags::FOLL_PIN,
        }
    }
}
