// The networks and the cinemagraph flow live here (see DESIGN.md "Architecture").
[assembly: System.CLSCompliant(false)]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("CineKernel.Tests")]
