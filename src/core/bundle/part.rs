//! When a zip is closed and the next part begun. A zip saved as a browser download is either
//! held in memory as a Blob, which Chromium drops past a limit, or first written to the
//! origin's private file system, which has no such limit; a file the user picked is one file.

/// Where a zip held in memory ends. Headless Chromium 156 (24 GB machine) dropped a 500 MiB
/// Blob and kept a 448 MiB one (docs/benchmark.md); desktop Chrome keeps more, but the page
/// cannot ask, so it stays under the smallest limit seen, with room for the manifest.
pub const MEMORY_PART_BYTES: u64 = 400_000_000;

const MB: u64 = 1_000_000;
/// A part size beyond this is a typo: no Assemblyline collection is a terabyte.
const MAX_MB: u64 = 1_000_000;

/// What holds the zip while it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Keeper {
    /// Blob parts in browser memory (browsers without the origin private file system).
    Memory,
    /// A scratch file in the origin private file system, downloaded when complete.
    Scratch,
    /// The file the user picked (File System Access): always one zip.
    Picked,
}

/// The "Zip part size (MB)" setting as typed: empty means one zip (as far as the browser
/// allows), a number is the most each zip may hold.
pub fn parse_part_size(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u64>() {
        Ok(mb) if (1..=MAX_MB).contains(&mb) => Ok(Some(mb * MB)),
        _ => Err(format!(
            "Zip part size must be a whole number of MB such as 500, or empty for one zip \
             (got {text:?})."
        )),
    }
}

/// The size past which a zip kept by `keeper` is closed, given the user's choice; None when
/// it never is.
pub fn part_limit(chosen: Option<u64>, keeper: Keeper) -> Option<u64> {
    match keeper {
        Keeper::Picked => None,
        Keeper::Scratch => chosen,
        Keeper::Memory => Some(chosen.map_or(MEMORY_PART_BYTES, |c| c.min(MEMORY_PART_BYTES))),
    }
}

/// How long to wait after saving a zip kept in memory before filling the next one. Chromium
/// frees a saved Blob only once its download has read it and the page has been idle: back to
/// back, the next part was dropped; with a pause of a few seconds, eight 400 MiB parts in a
/// row all reached the disk (docs/benchmark.md, "Zips kept in memory").
pub fn memory_pause_ms(saved_bytes: u64) -> u32 {
    // 1 s per 100 MB the download has to read: 4 s for a full part, nothing for small ones.
    u32::try_from(saved_bytes / 100_000).map_or(60_000, |ms| ms.min(60_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_size_is_whole_megabytes_or_empty_for_one_zip() {
        assert_eq!(parse_part_size(" 1500 "), Ok(Some(1_500_000_000)));
        assert_eq!(parse_part_size("1"), Ok(Some(1_000_000)));
        assert_eq!(parse_part_size("  "), Ok(None));
        for bad in ["0", "1000001", "1.5", "-3", "big", "5 GB"] {
            let words = parse_part_size(bad).unwrap_err();
            assert!(words.contains("whole number of MB"), "{bad}: {words}");
            assert!(words.contains(bad.trim()), "{bad}: {words}");
        }
    }

    #[test]
    fn only_a_zip_in_memory_is_capped() {
        let gb = Some(1_000_000_000);
        assert_eq!(part_limit(None, Keeper::Picked), None);
        assert_eq!(part_limit(gb, Keeper::Picked), None);
        assert_eq!(part_limit(None, Keeper::Scratch), None);
        assert_eq!(part_limit(gb, Keeper::Scratch), gb);
        assert_eq!(part_limit(None, Keeper::Memory), Some(MEMORY_PART_BYTES));
        assert_eq!(part_limit(gb, Keeper::Memory), Some(MEMORY_PART_BYTES));
        assert_eq!(part_limit(Some(5_000_000), Keeper::Memory), Some(5_000_000));
    }

    // Below the 500 MiB Blob headless Chromium dropped, with room for a manifest: checked
    // when the crate compiles.
    const _: () = assert!(MEMORY_PART_BYTES + 50_000_000 < 500 << 20);

    #[test]
    fn the_pause_after_a_memory_part_grows_with_its_size_within_bounds() {
        assert_eq!(memory_pause_ms(0), 0);
        assert_eq!(memory_pause_ms(1_000_000), 10);
        assert_eq!(memory_pause_ms(MEMORY_PART_BYTES), 4_000);
        assert_eq!(memory_pause_ms(u64::MAX), 60_000);
    }
}
