"""How a DistributedSampler deals a data set out to processes: run it, no DDP needed."""

from torch.utils.data import DistributedSampler

# --8<-- [start:split]
data = list(range(12))  # stands for a data set of 12 samples
for rank in range(3):
    sampler = DistributedSampler(data, num_replicas=3, rank=rank, shuffle=False)
    print(f"3 processes, rank {rank}: {list(sampler)}")
# --8<-- [end:split]

# --8<-- [start:shuffle]
for epoch in range(2):
    shares = []
    for rank in range(2):
        sampler = DistributedSampler(data, num_replicas=2, rank=rank, shuffle=True, seed=0)
        sampler.set_epoch(epoch)  # Lightning calls this for you at the start of every epoch
        shares.append(list(sampler))
    print(f"epoch {epoch}: rank 0 {shares[0]}  rank 1 {shares[1]}")
# --8<-- [end:shuffle]

# --8<-- [start:padding]
data = list(range(10))  # 10 samples do not split evenly over 3 processes
for rank in range(3):
    sampler = DistributedSampler(data, num_replicas=3, rank=rank, shuffle=False)
    print(f"10 samples, rank {rank}: {list(sampler)}")
# --8<-- [end:padding]

# --8<-- [start:one-replica]
# A sampler made for one process, num_replicas=1, gets every sample. Lightning leaves a
# DistributedSampler you made alone, so under DDP every process would train on the whole set.
sampler = DistributedSampler(data, num_replicas=1, rank=0, shuffle=False)
print(f"num_replicas=1, rank 0: {list(sampler)}")
# --8<-- [end:one-replica]
