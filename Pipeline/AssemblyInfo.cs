// The networks and the cinemagraph flow live here (see DESIGN.md "Architecture").
[assembly: System.CLSCompliant(false)]
