namespace Slt.Tests.Platform;

/// <summary>Runs work while a second thread forces garbage collections and finalizers without pause: the condition
/// under which TorchSharp 0.107 can free a scalar temporary while libtorch reads it.</summary>
internal static class ConcurrentCollector
{
    public static T While<T>(Func<T> work)
    {
        bool stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        try
        {
            return work();
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
    }
}
