/// The job kinds the product runs. Each workflow registers its handlers here as it is built.
public enum ClinicFlowJobs {
    public static func registry() -> JobRegistry {
        JobRegistry()
    }
}
