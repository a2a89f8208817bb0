# Run: python cli_pytorch.py --config config_pytorch.yaml  (reads config_pytorch.yaml and MNIST under
# ./data). Add --print_config to print the options and stop; --help lists them.
# --8<-- [start:imports]
import argparse
import sys

import torch
import torch.nn.functional as F
import yaml
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms
# --8<-- [end:imports]


# --8<-- [start:data]
def mnist_loaders(batch_size):
    dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
    dataset = Subset(dataset, range(4000))  # 4,000 of MNIST's 60,000 images: seconds an epoch
    generator = torch.Generator().manual_seed(0)
    train_set, val_set = random_split(dataset, [3200, 800], generator=generator)
    return DataLoader(train_set, batch_size=batch_size, shuffle=True), DataLoader(val_set, batch_size=200)
# --8<-- [end:data]


# --8<-- [start:model]
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class AutoEncoder(nn.Module):
    def __init__(self, hidden=64, code=3):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, code))
        self.decoder = nn.Sequential(nn.Linear(code, hidden), nn.ReLU(), nn.Linear(hidden, 28 * 28))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def train_one_epoch(model, loader, optimizer):
    model.train()
    for x, _ in loader:
        x = x.view(x.size(0), -1).to(device)
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def validate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, _ in loader:
            x = x.view(x.size(0), -1).to(device)
            losses.append(F.mse_loss(model(x), x))
    return torch.stack(losses).mean().item()
# --8<-- [end:model]


# --8<-- [start:cli]
if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", help="a YAML file of option values; the command line wins over it")
    parser.add_argument("--print_config", action="store_true", help="print the options and stop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max_epochs", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--code", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch_size", type=int, default=32)
    args, _ = parser.parse_known_args()  # a first pass, for --config
    if args.config:
        with open(args.config) as file:
            parser.set_defaults(**yaml.safe_load(file))  # the file's values replace the defaults
    args = parser.parse_args()  # the second pass: the command line wins over the file
    options = {k: v for k, v in vars(args).items() if k not in ("config", "print_config")}
    if args.print_config:
        print(yaml.safe_dump(options, sort_keys=False), end="")
        sys.exit()

    torch.manual_seed(args.seed)
    model = AutoEncoder(args.hidden, args.code).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    train_loader, val_loader = mnist_loaders(args.batch_size)
    for epoch in range(args.max_epochs):
        train_one_epoch(model, train_loader, optimizer)
        print(f"epoch {epoch}: val_loss {validate(model, val_loader):.6f}")
    print(f"used: max_epochs={args.max_epochs} hidden={args.hidden} code={args.code} "
          f"lr={args.lr} batch_size={args.batch_size}")
# --8<-- [end:cli]
