using System.Reflection;

namespace Slt.Workbook;

/// <summary>
/// One display in the output of the cell that is running, shown once and then updated in place (.NET Interactive's
/// <c>KernelInvocationContext.Display</c> and <c>DisplayedValue.Update</c>). Found by reflection, so this assembly needs
/// no reference to the kernel (the kernel brings its own), and a process without a kernel gets none.
/// </summary>
internal static class KernelDisplay
{
    private const string Interactive = "Microsoft.DotNet.Interactive";

    /// <summary>
    /// A function that shows a value in the running cell's output, each call replacing what the last one showed; null
    /// when no cell is running here (no kernel, or outside a submission). It keeps the cell's context, so it may be
    /// called from any thread while the cell runs.
    /// </summary>
    public static Action<object>? ForRunningCell()
    {
        var assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == Interactive);
        var contextType = assembly?.GetType(Interactive + ".KernelInvocationContext");
        var context = contextType?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        var display = assembly?.GetType(Interactive + ".KernelInvocationContextExtensions")
            ?.GetMethod("Display", BindingFlags.Public | BindingFlags.Static, [contextType!, typeof(object), typeof(string[])]);
        if (context is null || display is null) return null;
        object? shown = null;
        MethodInfo? update = null;
        return value =>
        {
            if (shown is null)
            {
                shown = display.Invoke(null, [context, value, Array.Empty<string>()]);
                update = shown?.GetType().GetMethod("Update", [typeof(object)]);
            }
            else
            {
                update?.Invoke(shown, [value]);
            }
        };
    }
}
