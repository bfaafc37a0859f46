/// A setting that stops ClinicFlow from starting. Messages name the variable, never its value,
/// because values are often secrets.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var problems: [String]

    public init(_ problems: [String]) { self.problems = problems }

    public var description: String {
        "ClinicFlow cannot start; fix the configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
