# genneg in a container, for the Kubernetes manifests in deploy/kubernetes (CPU build).
#   docker build -t genneg:latest .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/GenNeg.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
COPY --from=build /app /app
RUN ln -s /app/GenNeg.Cli /usr/local/bin/genneg
ENTRYPOINT ["genneg"]
