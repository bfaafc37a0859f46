import Vapor

/// bcrypt, with the cost from configuration (tests use a low one to stay fast).
struct PasswordHasher: Sendable {
    var cost: Int

    static let minimumLength = 10

    func hash(_ password: String) throws -> String {
        try Bcrypt.hash(password, cost: cost)
    }

    func verify(_ password: String, against hash: String) -> Bool {
        (try? Bcrypt.verify(password, created: hash)) ?? false
    }

    /// Why a new password is refused, or nil.
    static func weakness(of password: String) -> String? {
        if password.count < minimumLength { return "the password needs at least \(minimumLength) characters" }
        if Set(password).count < 5 { return "the password repeats too few characters" }
        return nil
    }
}
