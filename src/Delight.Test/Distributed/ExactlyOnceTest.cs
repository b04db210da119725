using Delight.Distributed;
using Delight.Runtime;

namespace Delight.Test.Distributed;

/// <summary>The bookkeeping behind exactly-once delivery, without a broker: lineage, decision window, poison marker, ledger, duplicate filter.</summary>
public sealed class ExactlyOnceTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-once-").FullName;

    [Fact]
    public void LearnerLineage_VersionsOfADeadIncarnation_PastTheCheckpointItsSuccessorResumedFrom_AreNotInTheHistory()
    {
        var lineage = new LearnerLineage();
        lineage.Begin(0xA, 0);   // first learner: versions 0, 1, … (it reached 130, last checkpoint at 100)
        lineage.Begin(0xB, 100); // resumed from the checkpoint at 100
        // Epoch A's versions up to 100 are the checkpoint's history; 101..130 died with it.
        Assert.True(lineage.Contains(new PolicyStamp(0xA, 0), currentVersion: 120));
        Assert.True(lineage.Contains(new PolicyStamp(0xA, 100), currentVersion: 120));
        Assert.False(lineage.Contains(new PolicyStamp(0xA, 101), currentVersion: 120));
        Assert.False(lineage.Contains(new PolicyStamp(0xA, 115), currentVersion: 120));
        // Epoch B's own versions exist up to its current one.
        Assert.True(lineage.Contains(new PolicyStamp(0xB, 115), currentVersion: 120));
        Assert.False(lineage.Contains(new PolicyStamp(0xB, 121), currentVersion: 120));
        // An epoch nobody knows (another run's, or epoch 0 of an old actor) is not in the history.
        Assert.False(lineage.Contains(new PolicyStamp(0xC, 5), currentVersion: 120));
        Assert.False(lineage.Contains(new PolicyStamp(0, 5), currentVersion: 120));

        var restored = LearnerLineage.Restore(lineage.Save());
        Assert.Equal(lineage.Save(), restored.Save());
        Assert.Equal(0xBUL, restored.Current);
        Assert.Throws<FormatException>(() => LearnerLineage.Restore("zz:1"));
        Assert.Throws<ArgumentOutOfRangeException>(() => lineage.Begin(0xD, 50)); // cannot resume before the predecessor's start
    }

    [Fact]
    public void LearnerLineage_NewEpochs_AreNonZeroAndDistinct()
    {
        var epochs = Enumerable.Range(0, 1000).Select(_ => LearnerLineage.NewEpoch()).ToHashSet();
        Assert.Equal(1000, epochs.Count);
        Assert.DoesNotContain(0UL, epochs);
    }

    [Fact]
    public void DecisionWindow_RoundTripsDecisionsWithTheirReasons_AndRefusesGarbage()
    {
        RolloutDecision[] decisions =
        [
            new(new RolloutOrigin(0xFFFF_FFFF_FFFF_FFFF, 0), RejectReason.None),
            new(new RolloutOrigin(7, 12), RejectReason.TooStale),
            new(new RolloutOrigin(7, 13), RejectReason.LearnerError),
        ];
        var window = DecisionWindow.Restore(DecisionWindow.Save(decisions));
        Assert.Equal(3, window.Count);
        Assert.Equal(RejectReason.None, window[new RolloutOrigin(0xFFFF_FFFF_FFFF_FFFF, 0)]);
        Assert.Equal(RejectReason.TooStale, window[new RolloutOrigin(7, 12)]);
        Assert.Empty(DecisionWindow.Restore(""));
        Assert.Throws<FormatException>(() => DecisionWindow.Restore("7:12"));
        Assert.Throws<FormatException>(() => DecisionWindow.Restore($"7:12:{RejectReasons.Count}"));
    }

    [Fact]
    public void PoisonGuard_ARolloutTheLearnerDiedOnTwice_IsPoison_AndOneItSurvivedIsNot()
    {
        var culprit = new RolloutOrigin(0xBAD, 3);
        var innocent = new RolloutOrigin(0x600D, 1);
        using (var first = new PoisonGuard(_folder))
        {
            Assert.Equal(0, first.Suspect.Deaths);
            first.BeforeApply(innocent);
            first.AfterApply();
            first.BeforeApply(culprit); // … and the process dies here
        }
        using (var second = new PoisonGuard(_folder))
        {
            Assert.Equal((culprit, 1L), second.Suspect);
            Assert.False(second.IsPoison(culprit)); // one death may be bad luck (a kill, an OOM elsewhere): try again
            second.BeforeApply(culprit);            // dies again
        }
        using (var third = new PoisonGuard(_folder))
        {
            Assert.Equal((culprit, 2L), third.Suspect);
            Assert.True(third.IsPoison(culprit));
            Assert.False(third.IsPoison(innocent));
            third.BeforeApply(innocent);
            third.AfterApply();
        }
        using var fourth = new PoisonGuard(_folder);
        Assert.Equal(0, fourth.Suspect.Deaths); // a clean exit clears the marker
    }

    [Fact]
    public void RolloutLedger_ReceivedIsAppliedPlusRefused_InRolloutsAndRows_AndSurvivesTheState()
    {
        var ledger = new RolloutLedger();
        ledger.Applied(100);
        ledger.Applied(100);
        ledger.Refused(RejectReason.TooStale, 100);
        ledger.Refused(RejectReason.BadMagic, 0);
        var counts = ledger.Snapshot();
        Assert.Equal((4L, 2L, 2L), (counts.Received, counts.Applied, counts.Rejected));
        Assert.Equal(1, counts.RejectedByReason!["too-stale"]);
        Assert.Equal(1, counts.RejectedByReason["bad-magic"]);
        Assert.Equal((300L, 200L, 100L), (counts.Rows!.Received, counts.Rows.Applied, counts.Rows.Rejected));
        Assert.Equal(100, counts.Rows.RejectedByReason["too-stale"]);

        var state = new TrainingState();
        ledger.Save(state);
        var restored = new RolloutLedger();
        restored.Restore(state);
        Assert.Equal(counts.Received, restored.Snapshot().Received);
        Assert.Equal(counts.Rows.Rejected, restored.Snapshot().Rows!.Rejected);
        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Refused(RejectReason.None, 1));
    }

    [Fact]
    public void DuplicateFilter_ForgetsTheLongestSilentActor_SoMemoryIsBounded()
    {
        var filter = new DuplicateFilter(maxActors: 100);
        for (ulong actor = 0; actor < 10_000; actor++) Assert.True(filter.TryMark(new RolloutOrigin(actor, 0)));
        Assert.Equal(100, filter.ActorCount);
        // The most recent actors are remembered; their duplicates are caught.
        Assert.False(filter.TryMark(new RolloutOrigin(9_999, 0)));
        Assert.True(filter.TryMark(new RolloutOrigin(9_999, 1)));
        Assert.Equal(100, filter.ActorCount);
    }

    [Fact]
    public void DuplicateFilter_SavedWithTheRolloutsInFlight_DropsCopiesOfDecidedOnes_AndLetsTheInFlightOnesThroughOnce()
    {
        var filter = new DuplicateFilter();
        for (ulong s = 0; s < 10; s++) filter.TryMark(new RolloutOrigin(1, s));
        filter.TryMark(new RolloutOrigin(2, 500));
        // Actor 1's 3 and 9 were delivered but not decided when the checkpoint was written.
        var saved = filter.Save([new RolloutOrigin(1, 3), new RolloutOrigin(1, 9)]);

        var resumed = new DuplicateFilter();
        resumed.Restore(saved);
        Assert.False(resumed.TryMark(new RolloutOrigin(1, 4)));  // decided before the checkpoint: a copy is dropped
        Assert.False(resumed.TryMark(new RolloutOrigin(2, 500)));
        Assert.True(resumed.TryMark(new RolloutOrigin(1, 3)));   // in flight: its redelivery is taken…
        Assert.False(resumed.TryMark(new RolloutOrigin(1, 3)));  // …once
        Assert.True(resumed.TryMark(new RolloutOrigin(1, 9)));
        Assert.True(resumed.TryMark(new RolloutOrigin(1, 10)));  // new
        Assert.Throws<FormatException>(() => resumed.Restore("1:2:3"));
    }

    [Fact]
    public void CreditMessage_RoundTrips_AndRefusesAnotherKind()
    {
        var run = new RunName("credit-run");
        var buffer = new MessageBuffer();
        CreditMessage.Encode(run, new Credit(0xC0FFEE, 0xE1, 42), buffer);
        Assert.True(CreditMessage.Decode(buffer.Written.Span, run, out var credit).IsValid);
        Assert.Equal(new Credit(0xC0FFEE, 0xE1, 42), credit);
        ControlMessage.Encode(run, MessageKind.Hello, 1, "", buffer);
        Assert.Equal(RejectReason.WrongKind, CreditMessage.Decode(buffer.Written.Span, run, out _).Reason);
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }
}
