import ArgumentParser
import ClinicFlowWeb

struct OpenAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi", abstract: "Print the REST API's OpenAPI document (also served at /api/v1/openapi.json)."
    )

    func run() async throws {
        print(ClinicFlowApp.openAPIDocumentJSON())
    }
}
