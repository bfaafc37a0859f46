public enum ClinicFlowVersion {
    public static let current = "0.1.0"
}
