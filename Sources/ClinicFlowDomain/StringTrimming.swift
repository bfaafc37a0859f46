import Foundation

extension String {
    /// `trimmingCharacters(in:)`, which bridges to `NSString` every time: here only when an end is
    /// in `set`. Names, phones and emails of every webhook are trimmed, and almost never need it.
    public func trimming(_ set: CharacterSet) -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last, set.contains(first) || set.contains(last) else { return self }
        return trimmingCharacters(in: set)
    }
}
