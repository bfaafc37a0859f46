import ArgumentParser
import ClinicFlowDomain
import ClinicFlowWeb
import Foundation

/// `clinicflow create-user`: the first administrator of a new installation, or any user from a shell.
struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user",
        abstract: "Create a user. The password comes from $CLINICFLOW_USER_PASSWORD, or is generated and printed once."
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Email address (the sign-in name).")
    var email: String

    @Option(help: "Full name.")
    var name: String

    @Option(help: "platform_admin, agency_admin, clinic_admin, consultant or viewer.")
    var role: String = "platform_admin"

    @Option(help: "Slug of the clinic a clinic-level user belongs to.")
    var clinic: String?

    func run() async throws {
        guard let role = Role(rawValue: role) else { throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))") }
        let (config, logger) = try Bootstrap.load(options)
        let services = try await ClinicFlowServices.start(config: config, logger: logger)
        do {
            let password = ProcessInfo.processInfo.environment["CLINICFLOW_USER_PASSWORD"]
            let created = try await ClinicFlowApp.createUser(
                email: email, name: name, role: role, clinicSlug: clinic, password: password, services: services
            )
            print("created \(created.user.email) (\(role.rawValue))" + (password == nil ? "; password: \(created.password)" : ""))
        } catch let error as ClinicFlowApp.UserCreationError {
            await services.shutdown()
            FileHandleOutput.standardError("\(error.description)\n")
            throw ExitCode(65)
        }
        await services.shutdown()
    }
}
