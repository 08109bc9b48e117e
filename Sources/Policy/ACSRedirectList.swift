/// Emulates the `seq_buf` that `calc_map_type_and_dist()` fills via `seq_buf_print_bus_devfn()`.
///
/// The kernel uses `char buf[128]` and appends `"%s;"` with `pci_name()`. On overflow `seq_buf_vprintf()`
/// leaves vsnprintf's truncated text (at most 127 characters) and marks the buffer overflowed, so the printed
/// `pci=disable_acs_redir=` list is cut after 127 characters (about nine bridges). The final `;` is dropped with
/// `acs_list.buffer[acs_list.len-1] = 0` only when there was no overflow.
struct ACSRedirectList {
    /// `sizeof(buf)` in `calc_map_type_and_dist()`.
    static let capacity = 128

    private(set) var text = ""
    private(set) var overflowed = false

    /// Mirrors `seq_buf_print_bus_devfn()` → `seq_buf_printf(buf, "%s;", pci_name(pdev))`.
    mutating func append(_ name: String) {
        guard !overflowed else { return }
        let entry = name + ";"
        let length = text.utf8.count
        if length + entry.utf8.count < Self.capacity {
            text += entry
        } else {
            // vsnprintf writes at most (size - len - 1) characters plus NUL, then seq_buf_set_overflow().
            text += String(entry.prefix(Self.capacity - length - 1))
            overflowed = true
        }
    }

    /// The string passed to `%s` after `acs_list.buffer[acs_list.len-1] = 0`.
    var printed: String {
        if overflowed { return text }
        return text.isEmpty ? text : String(text.dropLast())
    }
}
