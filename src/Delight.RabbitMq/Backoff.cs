using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>Exponential backoff with jitter: InitialBackoff, ×2 per failure, capped at MaxBackoff; ±25% random.</summary>
sealed class Backoff(BrokerOptions options)
{
    TimeSpan _next = options.InitialBackoff;

    public Task DelayAsync(CancellationToken cancellationToken)
    {
        var jitter = 0.75 + 0.5 * Random.Shared.NextDouble();
        var delay = _next * jitter;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, options.MaxBackoff.Ticks));
        return Task.Delay(delay, cancellationToken);
    }
}
